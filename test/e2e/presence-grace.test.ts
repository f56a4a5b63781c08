/**
 * Presence across a reconnect (lambdas/core/presence-grace.ts) through the local gateway,
 * its emulated table stream and its emulated grace queue, with native clients that name
 * their member in the join as topicast/client does. The clock is compressed: a 200 ms
 * window and a 2 s grace period instead of 1 s and 15 s.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../local-gateway/gateway.js';
import { FINAL_CLOSE_CODE } from '../../lambdas/core/presence-grace.js';
import { connectTracked, startTestGateway, uniqueTopic } from '../support/local-gateway.js';
import { closeAll, eventOf, type WsClient } from '../support/ws-client.js';

const WINDOW_MS = 200;
const GRACE_MS = 2000;
// The grace timer counts whole seconds (SQS DelaySeconds); a loaded machine adds its own delay.
const SLACK_MS = 3000;
let gateway: RunningGateway;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ config: { presence: { windowMs: WINDOW_MS, graceMs: GRACE_MS, maxMembers: 1000 } } });
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newMember = () => randomBytes(16).toString('base64url');

interface Diff {
  readonly joins: Record<string, unknown>;
  readonly leaves: Record<string, unknown>;
}

function diffsSince(client: WsClient, mark: number): Diff[] {
  return (client.framesSince(mark) as { event?: string; payload: Diff }[]).filter((frame) => eventOf(frame) === 'presence_diff').map((frame) => frame.payload);
}

async function member(topic: string, secret: string | null, meta: object): Promise<{ client: WsClient; id: string; reply: { status: string } }> {
  const { client, id } = await connectTracked(gateway, clients);
  const reply = ((await client.join(topic, { meta, ...(secret === null ? {} : { member: secret }) })) as { payload: { status: string } }).payload;
  return { client, id, reply };
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
    const topic = uniqueTopic();
    const size = 200;
    const secrets = Array.from({ length: size }, newMember);
    const members = await inBatches(secrets, 20, async (secret) => ({ secret, ...(await member(topic, secret, { name: secret.slice(0, 6) })) }));
    expect(members.map(({ reply }) => reply).filter((reply) => reply.status !== 'ok')).toEqual([]);
    // Every join's window is out (a loaded machine stretches them).
    await sleep(WINDOW_MS * 10);
    const marks = new Map(members.map(({ client }) => [client, client.mark()]));

    // Each member drops its connection and rejoins on a new one, as topicast/client does after the 2-hour cap.
    const rejoined = await inBatches(members, 20, async ({ client, secret }) => {
      drop(client);
      const again = await member(topic, secret, { name: secret.slice(0, 6) });
      marks.set(again.client, 0);
      return again;
    });
    expect(rejoined.map(({ reply }) => reply).filter((reply) => reply.status !== 'ok')).toEqual([]);
    // Past every grace period: the held rows went (taken over, so without a leave).
    await sleep(GRACE_MS + SLACK_MS);

    const heard = [...marks].flatMap(([client, mark]) => diffsSince(client, mark));
    expect(heard).toEqual([]);
    // Presence is exact: a newcomer sees the 200 members (the keys they had before) and nothing held.
    const observer = await member(topic, null, { name: 'observer' });
    const state = ((await observer.client.nextEvent('presence_state')) as { payload: Record<string, { metas: unknown[] }> }).payload;
    expect(Object.keys(state).sort()).toEqual([...members.map(({ id }) => id), observer.id].sort());
    expect(Object.values(state).every(({ metas }) => metas.length === 1)).toBe(true);
  }, 180_000);

  it('announces the leave of a member that does not come back, after the grace period', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const gone = await member(topic, newMember(), { name: 'gone' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => gone.id in m.payload.joins);
    const dropped = Date.now();
    drop(gone.client);
    const leave = await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => gone.id in m.payload.leaves, GRACE_MS + SLACK_MS + WINDOW_MS);
    const after = Date.now() - dropped;
    expect(leave.payload.joins).toEqual({});
    expect(after).toBeGreaterThanOrEqual(GRACE_MS);
    expect(after).toBeLessThan(GRACE_MS + SLACK_MS + WINDOW_MS);
  }, 30_000);

  it('keeps a final close (code 4001) and an explicit leave immediate', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const closer = await member(topic, newMember(), { name: 'closer' });
    const leaver = await member(topic, newMember(), { name: 'leaver' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => leaver.id in m.payload.joins);
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
  }, 30_000);

  it('still shows a plain client (no member) leave and join on a reconnect', async () => {
    const topic = uniqueTopic();
    const watcher = await member(topic, newMember(), { name: 'watcher' });
    const plain = await member(topic, null, { name: 'plain' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: Diff }) => plain.id in m.payload.joins);
    drop(plain.client);
    const again = await member(topic, null, { name: 'plain' });
    const seen = { left: false, joined: false };
    while (!seen.left || !seen.joined) {
      const diff = (await watcher.client.nextEvent('presence_diff', () => true, GRACE_MS)) as { payload: Diff };
      seen.left ||= plain.id in diff.payload.leaves;
      seen.joined ||= again.id in diff.payload.joins;
    }
    expect(seen).toEqual({ left: true, joined: true });
  }, 30_000);
});
