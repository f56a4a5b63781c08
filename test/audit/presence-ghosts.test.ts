/**
 * Regressions (issue 18, items 3 and 4): presence without ghosts.
 *  1. presence diffs handed to async fan-out workers are not ordered: a join diff can reach
 *     a member after the leave diff that follows it. The worker now reads the rows of the
 *     joins it delivered and sends the leaves of those gone, after its join.
 *  2. a split presence_state (state + diff chunks posted one by one by the join function)
 *     races a leave diff from another function. The join now reads the rows its later
 *     frames listed and sends the leaves of those gone, after them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../lambdas/core/config.js';
import type { FanoutBatch, FanoutDispatcher, MessageSender, Delivery } from '../../lambdas/core/ports.js';
import { applyDiff, type PresenceDiff, type PresenceState } from '../../lambdas/core/presence.js';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { assembleMessaging } from '../../lambdas/composition/dependencies.js';
import { randomIds, systemClock } from '../../lambdas/composition/system.js';
import { createConnectHandler } from '../../lambdas/handlers/connect.js';
import { createJoinHandler } from '../../lambdas/handlers/join.js';
import { createLeaveHandler } from '../../lambdas/handlers/leave.js';
import { createFanoutWorkerHandler } from '../../lambdas/handlers/fanout-worker.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { connectEvent, messageEvent } from '../support/gateway-events.js';
import { recordingMetrics } from '../support/recording-metrics.js';
import { RecordingSender } from '../support/recording-sender.js';
import { connectionId, recordingLogger, createHarness } from '../support/topicast-harness.js';
import { queryPartition } from '../support/table-items.js';

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(async () => {
  await table?.stop();
});

/** What a Phoenix Presence would hold after these frames, in arrival order. */
function presenceSeenBy(frames: readonly string[], topic: string): PresenceState {
  let state: PresenceState = {};
  for (const frame of frames) {
    const m = JSON.parse(frame) as { topic: string; event: string; payload: unknown };
    if (m.topic !== topic) continue;
    if (m.event === 'presence_state') state = m.payload as PresenceState;
    if (m.event === 'presence_diff') state = applyDiff(state, m.payload as PresenceDiff);
  }
  return state;
}

it('1. a join diff handed to a worker that runs after the leave diff leaves no ghost', async () => {
  const config = resolveConfig({ presence: { windowMs: 0 }, fanout: { workerThreshold: 1 } });
  const sender = new RecordingSender();
  const logger = recordingLogger();
  const held: { batch: FanoutBatch; run: () => Promise<void> }[] = [];
  let holdNext = true;
  // Lambda async invokes: accepted (202) at once, run whenever a worker gets to them.
  const dispatcher: FanoutDispatcher = {
    async dispatch(batches) {
      for (const batch of batches) {
        const run = async () => {
          await worker(JSON.parse(JSON.stringify(batch)) as FanoutBatch);
        };
        if (holdNext) held.push({ batch, run });
        else void run();
      }
      return { dispatched: batches.length, failed: [] };
    },
  };
  const deps = assembleMessaging({
    config, logger, metrics: recordingMetrics(), store: new DynamoRealtimeStore(table.documentClient, table.tableName),
    clock: systemClock, ids: randomIds, endpointFor: () => 'http://local/test', sender, dispatcher,
    kv: new DynamoChannelKv(table.documentClient, table.tableName, systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, systemClock),
  });
  const worker = createFanoutWorkerHandler(() => deps);
  const connect = createConnectHandler(() => deps);
  const join = createJoinHandler(() => deps);
  const leave = createLeaveHandler(() => deps);
  const topic = `room:workers-${Date.now()}`;
  const [o1, o2, x] = [connectionId('o1'), connectionId('o2'), connectionId('x')];
  for (const id of [o1, o2, x]) await connect(connectEvent(id));
  holdNext = false;
  await join(messageEvent(o1, JSON.stringify({ action: 'join', topic, ref: '1' })));
  await join(messageEvent(o2, JSON.stringify({ action: 'join', topic, ref: '1' })));
  await new Promise((r) => setTimeout(r, 50));
  // x joins: its join diff goes to a worker (2 recipients > threshold 1) that starts late (cold start).
  holdNext = true;
  await join(messageEvent(x, JSON.stringify({ action: 'join', topic, payload: { meta: { who: 'x' } }, ref: '1' })));
  holdNext = false;
  // x leaves: the leave diff goes to another worker, which runs at once.
  await leave(messageEvent(x, JSON.stringify({ action: 'leave', topic, ref: '2' })));
  await new Promise((r) => setTimeout(r, 100));
  // now the first worker runs.
  for (const h of held) await h.run();
  const rows = await queryPartition(table, `t#${topic}#0`);
  const seen = presenceSeenBy(sender.framesFor(o1), topic);
  console.log('[1] table rows:', rows.map((r) => r.sk), '| o1 presence keys:', Object.keys(seen), '| x in o1 view:', x in seen);
  expect(rows.map((r) => r.sk)).not.toContain(x);
  expect(Object.keys(seen).sort()).toEqual(rows.map((r) => String(r.sk)).sort());
});

it('2. split presence_state: a leave landing between the state and its later chunk leaves no ghost', async () => {
  // A gated sender: holds the joiner's second presence frame until released.
  const inner = new RecordingSender();
  let gate: { to: string; reached: (d: Delivery) => void; release: Promise<void> } | null = null;
  const sender: MessageSender & { inner: RecordingSender } = {
    inner,
    async send(delivery) {
      if (gate && delivery.connectionId === gate.to && delivery.data.includes('"presence_diff"') && inner.framesFor(gate.to).some((f) => f.includes('"presence_state"'))) {
        const g = gate;
        gate = null;
        g.reached(delivery);
        await g.release;
      }
      return inner.send(delivery);
    },
  };
  const h = createHarness(table, { config: { presence: { windowMs: 0 } } });
  // swap the harness' sender for the gated one (same deps otherwise)
  const deps = assembleMessaging({
    config: h.config, logger: h.logger, metrics: h.metrics, store: new DynamoRealtimeStore(table.documentClient, table.tableName),
    clock: systemClock, ids: randomIds, endpointFor: () => 'http://local/test', sender,
    kv: new DynamoChannelKv(table.documentClient, table.tableName, systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, systemClock),
  });
  const connect = createConnectHandler(() => deps);
  const join = createJoinHandler(() => deps);
  const leave = createLeaveHandler(() => deps);
  const topic = `room:split-${Date.now()}`;
  const members = Array.from({ length: 160 }, (_, i) => connectionId(`m${String(i).padStart(3, '0')}`));
  const meta = { bio: 'y'.repeat(900) };
  for (const id of members) {
    await connect(connectEvent(id));
    await join(messageEvent(id, JSON.stringify({ action: 'join', topic, payload: { meta }, ref: '1' })));
  }
  const j = connectionId('joiner');
  await connect(connectEvent(j));
  let reached!: (d: Delivery) => void;
  const reachedP = new Promise<Delivery>((r) => (reached = r));
  let release!: () => void;
  gate = { to: j, reached, release: new Promise<void>((r) => (release = r)) };
  const joining = join(messageEvent(j, JSON.stringify({ action: 'join', topic, ref: '1' })));
  const chunk = await reachedP; // state delivered, chunk held
  const chunkKeys = Object.keys((JSON.parse(chunk.data) as { payload: PresenceDiff }).payload.joins);
  const m = chunkKeys[chunkKeys.length - 1] as string;
  // m leaves now: its leave diff reaches the joiner (already subscribed) before the held chunk.
  await leave(messageEvent(m, JSON.stringify({ action: 'leave', topic, ref: '2' })));
  release();
  await joining;
  const frames = inner.framesFor(j);
  const events = frames.map((f) => (JSON.parse(f) as { event: string }).event);
  const seen = presenceSeenBy(frames, topic);
  const rows = await queryPartition(table, `t#${topic}#0`);
  console.log('[2] joiner frames:', events.join(','), '| chunk keys:', chunkKeys.length, '| m still in table:', rows.some((r) => r.sk === m), '| m in joiner view:', m in seen);
  expect(rows.some((r) => r.sk === m)).toBe(false);
  expect(m in seen).toBe(false);
  // The joiner ends with exactly the table's members (keys are connection ids: anonymous).
  expect(Object.keys(seen).sort()).toEqual(rows.map((r) => String(r.sk)).sort());
});
