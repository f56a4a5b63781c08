/**
 * Presence across a reconnect (lambdas/core/presence-grace.ts) through what `npm start` runs
 * (test/support/template-gateway.ts): the template's functions, table stream and grace queue,
 * with native clients that name their member in the join as topicast/client does. The clock
 * is compressed: a 200 ms window and a 6 s grace period instead of 1 s and 15 s. Not 2 s: the
 * template's stream mapping batches for the window rounded up to whole seconds (1 s, as on
 * AWS), and each step is a function in a process of its own, so an immediate leave took up to
 * 4.9 s on a loaded machine (load average 12 on 2 cores): 2 s, or 4 s, no longer told an
 * immediate leave from a held one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { FINAL_CLOSE_CODE } from '../../lambdas/core/presence-grace.js';
import { noDiffOnItsWay } from '../support/grace-queue.js';
import { connectTracked, gatewayTable, uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { queryPartition } from '../support/table-items.js';
import { startTestGateway, warmUp as warmUpEnvironments, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, eventOf, type WsClient } from '../support/ws-client.js';

const WINDOW_MS = 200;
const GRACE_MS = 6000;
// The grace timer counts whole seconds (SQS DelaySeconds); a loaded machine adds its own delay.
const SLACK_MS = 3000;
// A first invocation of a function starts its process (a cold start: seconds on a loaded machine).
const COLD_START_MS = 30_000;
// A join's presence diff, through the stream, the presence function and its posts: not what the tests time.
const JOIN_DIFF_MS = 20_000;
// Members join and drop 10 at a time: the runtime runs at most 10 environments of a function,
// and 20 at once (the hand-wired gateway's batches) queued half of each batch's joins behind the others.
const BATCH = 10;
// The 200-member room's own grace period (a topic pattern's graceMs, docs/phoenix.md). A rejoin
// there reads every member's row and posts the state: on a loaded machine one took 6.6 s from
// its drop, past a 4 s grace period, and the timer then rightly released the row and
// announced a leave. The room's longer period keeps every rejoin within it.
const CROWD = 'crowd';
const CROWD_GRACE_MS = 20_000;
let gateway: RunningGateway;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ config: { presence: { windowMs: WINDOW_MS, graceMs: GRACE_MS, maxMembers: 1000, topics: [{ pattern: `${CROWD}:*`, graceMs: CROWD_GRACE_MS }] } } });
  await warmUp();
}, 120_000);

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

const newMember = () => randomBytes(16).toString('base64url');

interface Diff {
  readonly joins: Record<string, unknown>;
  readonly leaves: Record<string, unknown>;
}

function diffsSince(client: WsClient, mark: number): Diff[] {
  return (client.framesSince(mark) as { event?: string; payload: Diff }[]).filter((frame) => eventOf(frame) === 'presence_diff').map((frame) => frame.payload);
}

async function member(topic: string, secret: string | null, meta: object, timeoutMs = 30_000): Promise<{ client: WsClient; id: string; reply: { status: string } }> {
  const { client, id } = await connectTracked(gateway, clients);
  const reply = ((await client.request({ action: 'join', topic, payload: { meta, ...(secret === null ? {} : { member: secret }) } }, timeoutMs)) as { payload: { status: string } }).payload;
  return { client, id, reply };
}

/** No presence diff on its way before a member drops (grace-queue.ts says why). */
const settled = () => noDiffOnItsWay(gateway.runtime);

/**
 * Starts every function's environments before the tests, so that their own waits measure the
 * grace period and not cold starts: BATCH of $connect, join, $disconnect and the presence
 * function (warmUp), then the path of a named member's drop: $disconnect holding its row, the
 * grace queue and the grace function releasing it.
 */
async function warmUp(): Promise<void> {
  const topic = uniqueTopic('warm');
  await warmUpEnvironments(gateway, BATCH, topic);
  await member(topic, newMember(), { name: 'warm-watcher' }, COLD_START_MS);
  const held = await member(topic, newMember(), { name: 'warm-held' }, COLD_START_MS);
  await settled();
  drop(held.client);
  await waitUntil(async () => (await topicRows(topic)).length === 1, 'the grace function released the warm-up member', COLD_START_MS + GRACE_MS + SLACK_MS);
  await settled();
  await closeAll(clients.splice(0));
}

/** The topic's subscription rows (one shard: the config shards nothing). */
async function topicRows(topic: string): Promise<Record<string, unknown>[]> {
  const table = gatewayTable(gateway);
  try {
    return await queryPartition(table, keys.topicPartition(topic, 0));
  } finally {
    await table.stop();
  }
}

/** The connection drops without a close frame (a network flap, a sleeping laptop): API Gateway reports 1006. */
function drop(client: WsClient): void {
  client.socket.terminate();
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(run))));
  return results;
}

describe('presence across a reconnect', () => {
  it('reconnects 200 members of a presence room, each once: the others receive no presence_diff, and presence stays exact', async () => {
    const topic = uniqueTopic(CROWD);
    const size = 200;
    const secrets = Array.from({ length: size }, newMember);
    const members = await inBatches(secrets, BATCH, async (secret) => ({ secret, ...(await member(topic, secret, { name: secret.slice(0, 6) })) }));
    expect(members.map(({ reply }) => reply).filter((reply) => reply.status !== 'ok')).toEqual([]);
    // Every join's presence diff is out and delivered (a loaded machine stretches them).
    await settled();
    const marks = new Map(members.map(({ client }) => [client, client.mark()]));

    // Each member drops its connection and rejoins on a new one, as topicast/client does after the 2-hour cap.
    const rejoined = await inBatches(members, BATCH, async ({ client, secret }) => {
      drop(client);
      const again = await member(topic, secret, { name: secret.slice(0, 6) });
      marks.set(again.client, 0);
      return again;
    });
    expect(rejoined.map(({ reply }) => reply).filter((reply) => reply.status !== 'ok')).toEqual([]);
    // Past every grace period: the held rows went (taken over, so without a leave), and whatever
    // their removal would announce is out. Every old row is held by its $disconnect (taken over or
    // not) and only the grace function deletes it, so none left means every release ran.
    const old = new Set(members.map(({ id }) => id));
    await waitUntil(async () => !(await topicRows(topic)).some((row) => old.has(String(row.sk))), 'the grace function released every old row', COLD_START_MS + CROWD_GRACE_MS + SLACK_MS);
    await settled();

    const heard = [...marks].flatMap(([client, mark]) => diffsSince(client, mark));
    expect(heard).toEqual([]);
    // Presence is exact: a newcomer sees the 200 members (the keys they had before) and nothing held.
    const observer = await member(topic, null, { name: 'observer' });
    const state = ((await observer.client.nextEvent('presence_state')) as { payload: Record<string, { metas: unknown[] }> }).payload;
    expect(Object.keys(state).sort()).toEqual([...members.map(({ id }) => id), observer.id].sort());
    expect(Object.values(state).every(({ metas }) => metas.length === 1)).toBe(true);

    // Cleanup: the room's 201 connections leave for good (a held row would be released 20 s
    // later, in the next test's time), and the next test starts once their leaves are out.
    await Promise.all(clients.splice(0).map((client) => client.close(FINAL_CLOSE_CODE, 'final')));
    await waitUntil(async () => (await topicRows(topic)).length === 0, 'the room emptied', COLD_START_MS);
    await settled();
  }, 300_000);

  it('announces the leave of a member that does not come back, after the grace period', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const gone = await member(topic, newMember(), { name: 'gone' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => gone.id in m.payload.joins, JOIN_DIFF_MS);
    await settled();
    const dropped = Date.now();
    drop(gone.client);
    const leave = await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => gone.id in m.payload.leaves, GRACE_MS + SLACK_MS + WINDOW_MS);
    const after = Date.now() - dropped;
    expect(leave.payload.joins).toEqual({});
    expect(after).toBeGreaterThanOrEqual(GRACE_MS);
    expect(after).toBeLessThan(GRACE_MS + SLACK_MS + WINDOW_MS);
  }, 60_000);

  it('keeps a final close (code 4001) and an explicit leave immediate', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const closer = await member(topic, newMember(), { name: 'closer' });
    const leaver = await member(topic, newMember(), { name: 'leaver' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => leaver.id in m.payload.joins, JOIN_DIFF_MS);
    const started = Date.now();
    await closer.client.close(FINAL_CLOSE_CODE, 'final');
    await leaver.client.request({ action: 'leave', topic });
    const left = new Set<string>();
    while (left.size < 2) {
      const diff = await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => Object.keys(m.payload.leaves).length > 0, GRACE_MS);
      for (const key of Object.keys(diff.payload.leaves)) left.add(key);
    }
    expect([...left].sort()).toEqual([closer.id, leaver.id].sort());
    expect(Date.now() - started).toBeLessThan(GRACE_MS);
  }, 60_000);

  it('still shows a plain client (no member) leave and join on a reconnect', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const plain = await member(topic, null, { name: 'plain' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => plain.id in m.payload.joins, JOIN_DIFF_MS);
    drop(plain.client);
    const again = await member(topic, null, { name: 'plain' });
    const seen = { left: false, joined: false };
    while (!seen.left || !seen.joined) {
      const diff = (await watcher.client.nextEvent('presence_diff', () => true, GRACE_MS)) as { payload: Diff };
      seen.left ||= plain.id in diff.payload.leaves;
      seen.joined ||= again.id in diff.payload.joins;
    }
    expect(seen).toEqual({ left: true, joined: true });
  }, 60_000);
});
