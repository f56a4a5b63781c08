/**
 * Regression (issue 18, item 8; started as the audit's repro): a join's history replay
 * posted one message at a time and never looked at the Lambda deadline, so a long replay
 * outlasted the route timeout and the client got no reply at all. Now the replay stops in
 * time, the reply says where it stopped (`more`, `resumeSince`), and a client driven by
 * SeqTracker joins again until it has every message, once and in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SeqTracker } from '../../client/seq-tracker.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import type { Delivery, DeliveryResult, MessageSender } from '../../lambdas/core/ports.js';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { assembleMessaging } from '../../lambdas/composition/dependencies.js';
import { randomIds, systemClock } from '../../lambdas/composition/system.js';
import { publish } from '../../lambdas/core/use-cases/publish.js';
import { createConnectHandler } from '../../lambdas/handlers/connect.js';
import { createJoinHandler } from '../../lambdas/handlers/join.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { connectEvent, messageEvent } from '../support/gateway-events.js';
import { recordingMetrics } from '../support/recording-metrics.js';
import { RecordingSender } from '../support/recording-sender.js';
import { connectionId, recordingLogger } from '../support/topicast-harness.js';

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(async () => {
  await table?.stop();
});

const MESSAGES = 500;
const POST_MS = 8; // a Management API POST from Lambda takes ~10-30 ms in practice
const TIMEOUT_MS = 3000; // stands for the 10 s route timeout

it(`a ${MESSAGES}-message replay stops before the function deadline, and SeqTracker continues it to the end, once and in order`, async () => {
  const inner = new RecordingSender();
  const sender: MessageSender = {
    async send(d: Delivery): Promise<DeliveryResult> {
      await new Promise((r) => setTimeout(r, POST_MS));
      return inner.send(d);
    },
  };
  // Scaled to the 3 s stand-in timeout: a post may hang 400 ms, the function keeps 400 ms.
  const config = resolveConfig({
    presence: { windowMs: 0 },
    history: { 'room:*': { maxMessages: 1000, ttlSeconds: 3600 } },
    fanout: { postTimeoutMs: 400, deadlineMarginMs: 400 },
  });
  const deps = assembleMessaging({
    config, logger: recordingLogger(), metrics: recordingMetrics(), store: new DynamoRealtimeStore(table.documentClient, table.tableName),
    clock: systemClock, ids: randomIds, endpointFor: () => 'x', sender,
    kv: new DynamoChannelKv(table.documentClient, table.tableName, systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, systemClock),
  });
  const join = createJoinHandler(() => deps);
  const topic = `room:replay-${Date.now()}`;
  const x = connectionId('late');
  await createConnectHandler(() => deps)(connectEvent(x));
  const seen = new SeqTracker();
  const received: number[] = [];

  /** One join as Lambda runs it, with a fresh TIMEOUT_MS; what reached the client, in order. */
  const joinOnce = async (ref: string) => {
    inner.clear();
    const started = Date.now();
    const context = { awsRequestId: ref, functionName: 'join', getRemainingTimeInMillis: () => TIMEOUT_MS - (Date.now() - started) };
    await join(messageEvent(x, JSON.stringify({ action: 'join', topic, payload: seen.joinParams(), ref })), context);
    const elapsed = Date.now() - started;
    const frames = inner.messagesFor(x) as { event: string; seq?: number; payload: any }[];
    const replyAt = frames.findIndex((f) => f.event === 'phx_reply');
    const replayed = frames.slice(0, replyAt).map((f) => f.seq as number);
    for (const seq of replayed) if (seen.accept(seq)) received.push(seq);
    return { elapsed, reply: frames[replyAt]?.payload.response, replayed, after: frames.slice(replyAt + 1).map((f) => f.event) };
  };

  // The client saw the topic's first message, then lost its socket while MESSAGES more were published.
  await publish(deps, { topic, event: 'm', payload: { i: -1 } });
  expect(seen.joined((await joinOnce('first')).reply)).toBe(false);
  const published: number[] = [];
  for (let i = 0; i < MESSAGES; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, (_, k) => publish(deps, { topic, event: 'm', payload: { i: i + k } })));
    published.push(...batch.map((r) => r.seq as number));
  }
  published.sort((a, b) => a - b);

  const joins: Awaited<ReturnType<typeof joinOnce>>[] = [];
  for (let round = 1; round <= 20; round += 1) {
    const outcome = await joinOnce(`rejoin-${round}`);
    joins.push(outcome);
    if (!seen.joined(outcome.reply)) break;
  }
  console.log(`[replay] ${joins.length} joins, ${joins.map((j) => `${j.replayed.length} in ${j.elapsed} ms`).join(', ')}`);

  for (const { elapsed, reply, replayed, after } of joins) {
    // Answered within the function's time, replay in seq order, then the reply, then presence_state.
    expect(elapsed).toBeLessThan(TIMEOUT_MS);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    expect(reply).toMatchObject({ replayed: replayed.length, truncated: false, seq: published.at(-1) });
    expect(after).toEqual(['presence_state']);
  }
  const cut = joins.slice(0, -1);
  expect(cut.length).toBeGreaterThan(0);
  for (const { reply, replayed } of cut) expect(reply).toMatchObject({ more: true, resumeSince: replayed.at(-1) });
  expect(joins.at(-1)?.reply).not.toHaveProperty('more');
  expect(received).toEqual(published);
  expect(seen.since).toBe(published.at(-1));
});
