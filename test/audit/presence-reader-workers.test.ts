/**
 * Regression (issue 18, item 3, the lost invoke): the presence stream's reader handed a big
 * topic's window to fan-out workers with asynchronous invokes. Those run in any order, and
 * one that waits past its 60 s maximum event age (a throttled worker) is dropped: its
 * members never get that window's leaves. The reader now runs its workers synchronously
 * and waits for them, so windows reach members in stream order and a batch no worker ran
 * fails the window, which the stream retries.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../lambdas/core/config.js';
import type { DispatchOptions, FanoutBatch, FanoutDispatcher } from '../../lambdas/core/ports.js';
import type { TopicItemChange } from '../../lambdas/core/presence-changes.js';
import { readerFor } from '../../lambdas/core/presence-readers.js';
import { announcePresenceChanges } from '../../lambdas/core/use-cases/announce-presence-changes.js';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { assembleMessaging } from '../../lambdas/composition/dependencies.js';
import { randomIds, systemClock } from '../../lambdas/composition/system.js';
import { createConnectHandler } from '../../lambdas/handlers/connect.js';
import { createFanoutWorkerHandler } from '../../lambdas/handlers/fanout-worker.js';
import { createJoinHandler } from '../../lambdas/handlers/join.js';
import { createLeaveHandler } from '../../lambdas/handlers/leave.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { connectEvent, messageEvent } from '../support/gateway-events.js';
import { recordingMetrics } from '../support/recording-metrics.js';
import { RecordingSender } from '../support/recording-sender.js';
import { queryPartition } from '../support/table-items.js';
import { connectionId, recordingLogger } from '../support/topicast-harness.js';

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(async () => {
  await table?.stop();
});

// A window of 1 s (the reader announces), and workers from 2 recipients on.
const config = resolveConfig({ presence: { windowMs: 1000 }, fanout: { workerThreshold: 1 } });
const reader = readerFor(1, config.presence);

function world(dispatcherFor: (worker: (batch: FanoutBatch) => Promise<unknown>) => FanoutDispatcher) {
  const sender = new RecordingSender();
  let worker!: (batch: FanoutBatch) => Promise<unknown>;
  const dispatcher = dispatcherFor((batch) => worker(batch));
  const deps = assembleMessaging({
    config, logger: recordingLogger(), metrics: recordingMetrics(), store: new DynamoRealtimeStore(table.documentClient, table.tableName),
    clock: systemClock, ids: randomIds, endpointFor: () => 'http://local/test', sender, dispatcher,
    kv: new DynamoChannelKv(table.documentClient, table.tableName, systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, systemClock),
  });
  worker = createFanoutWorkerHandler(() => deps);
  return { deps, sender, connect: createConnectHandler(() => deps), join: createJoinHandler(() => deps), leave: createLeaveHandler(() => deps) };
}

/** Three members of a windowed topic; the third leaves. Returns the stream record of its leave. */
async function threeThenALeave(w: ReturnType<typeof world>, topic: string): Promise<{ stay: string[]; leaver: string; change: TopicItemChange }> {
  const ids = ['a', 'b', 'x'].map((label) => connectionId(label));
  for (const id of ids) {
    await w.connect(connectEvent(id));
    await w.join(messageEvent(id, JSON.stringify({ action: 'join', topic, payload: { meta: { who: id } }, ref: '1' })));
  }
  const leaver = ids[2] as string;
  const row = (await queryPartition(table, `t#${topic}#0`)).find((item) => item.sk === leaver)!;
  await w.leave(messageEvent(leaver, JSON.stringify({ action: 'leave', topic, ref: '2' })));
  const before = { key: String(row.presenceKey), meta: JSON.parse(String(row.meta)) };
  return { stay: ids.slice(0, 2), leaver, change: { topic, connectionId: leaver, before, after: null, expired: false, sequenceNumber: '900000000000000000001' } };
}

const leavesSeenBy = (sender: RecordingSender, id: string, leaver: string) =>
  sender.framesFor(id).filter((frame) => frame.includes('"presence_diff"') && frame.includes(leaver)).length;

it('has every member\'s frame posted by the time the reader returns, so the next window cannot overtake it', async () => {
  // Lambda's queue: an async invoke is accepted at once and runs whenever a worker is free
  // (here: not before the test lets it); a synchronous one runs while the caller waits.
  const queued: FanoutBatch[] = [];
  const w = world((worker) => ({
    async dispatch(batches: readonly FanoutBatch[], options?: DispatchOptions) {
      if (options?.wait !== true) {
        queued.push(...batches);
        return { dispatched: batches.length, failed: [] };
      }
      for (const batch of batches) await worker(JSON.parse(JSON.stringify(batch)) as FanoutBatch);
      return { dispatched: batches.length, failed: [] };
    },
  }));
  const topic = `room:waited-${Date.now()}`;
  const { stay, leaver, change } = await threeThenALeave(w, topic);
  w.sender.clear();

  const announced = await announcePresenceChanges(w.deps, reader, [change]);

  expect(announced.retryFrom).toBeNull();
  expect(queued).toEqual([]);
  for (const id of stay) expect(leavesSeenBy(w.sender, id, leaver), id).toBe(1);
});

it('fails the window when a worker could not run, and its retry delivers the leave', async () => {
  // Lambda's queue: an async invoke is accepted and, throttled past its event age, never runs;
  // a synchronous one is refused (429) and the caller hears of it. The first attempts fail.
  let refusals = 1;
  const w = world((worker) => ({
    async dispatch(batches: readonly FanoutBatch[], options?: DispatchOptions) {
      if (options?.wait !== true) return { dispatched: batches.length, failed: [] };
      if (refusals > 0) {
        refusals -= 1;
        return { dispatched: 0, failed: batches.map((batch) => ({ batch, error: 'Lambda Invoke answered http 429 after 3 attempts' })) };
      }
      for (const batch of batches) await worker(JSON.parse(JSON.stringify(batch)) as FanoutBatch);
      return { dispatched: batches.length, failed: [] };
    },
  }));
  const topic = `room:refused-${Date.now()}`;
  const { stay, leaver, change } = await threeThenALeave(w, topic);
  w.sender.clear();

  const first = await announcePresenceChanges(w.deps, reader, [change]);
  expect(first.retryFrom).toBe(change.sequenceNumber);
  // The stream retries from that record.
  const retried = await announcePresenceChanges(w.deps, reader, [change]);

  expect(retried.retryFrom).toBeNull();
  for (const id of stay) expect(leavesSeenBy(w.sender, id, leaver), id).toBe(1);
});
