/**
 * The official `phoenix` client's Presence through a coalesced burst: many clients join
 * (and a few leave again) within the presence window, through what `npm start` runs (the
 * template runtime: the table's stream feeds the presence function, each function in
 * processes of its own). Each member hears the burst as a few presence_diffs, not one per
 * change, and every Presence (those of the members present before, and those of the
 * joiners, whose presence_state was read in the middle of the window) ends in the state
 * the server holds. On a topic with a presence cap, the same burst takes every Presence to
 * an empty list with occupancy counts, and back to the full list once under the cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Presence, Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { createHeartbeatCodec } from '../../client/heartbeat-codec.js';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';

const CAP = 10;
// A first invocation of each function starts its process: slow on a busy machine.
const COLD_MS = 30_000;
let gateway: RunningGateway;
const sockets: Socket[] = [];

beforeAll(async () => {
  // The default window (1 s): what a deployed API does out of the box; a cap on crowd:*.
  gateway = await startGateway({ config: { presence: { topics: [{ pattern: 'crowd:*', maxMembers: CAP }] } } });
  // The runtime's 10 environments per function started before the bursts, with Phoenix joins
  // (V2 frames: the $default function) and their disconnects: a burst of cold starts on this
  // machine's cores is not what the tests are about (each process loads topicast's bundle).
  const warm = Array.from({ length: 10 }, (_, n) => member(`warm:${process.pid}`, `warm-${n}`));
  await Promise.all(warm.map((m) => m.synced));
  for (const socket of sockets.splice(0)) socket.disconnect();
}, 120_000);

afterAll(async () => {
  // A join that failed (its error frame is dropped by the decoder) says why here.
  const failures = gateway?.lines.filter((line) => /ERROR|timed out|Sandbox| 5\d\d \d/.test(line)) ?? [];
  if (failures.length > 0) console.log(`the runtime's failure lines:\n${failures.join('\n')}`);
  for (const socket of sockets) socket.disconnect();
  await gateway.end();
});

function openSocket(): Socket {
  const socket = new Socket(`${gateway.url}/prod`, {
    transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
    heartbeatIntervalMs: 5000,
    // Phoenix's push timeout (10 s by default) widened: 40 joins at once start the connect
    // and join functions' environments together on this machine's cores (8 to 10 s for the
    // burst under load); a join that times out is sent again, and the retries pile onto the burst.
    timeout: COLD_MS,
    // The V2 decoder that ignores API Gateway's own error frames ({"message":"Internal server
    // error",...}, sent when a function fails, here a join that outlasted its timeout on the
    // loaded machine): phoenix's own throws on them, out of any callback. Those joins time out
    // and phoenix joins again, which is what the Presence assertions below are about.
    decode: createHeartbeatCodec().decode,
  });
  socket.connect();
  sockets.push(socket);
  return socket;
}

interface Member {
  readonly name: string;
  readonly channel: Channel;
  readonly presence: Presence;
  /** presence_diff frames this member received. */
  readonly diffs: unknown[];
  /** presence_occupancy payloads this member received. */
  readonly counts: { subscribers: number; presence: number }[];
  /** Milliseconds from the join reply to the first sync (presence_state applied). */
  synced: Promise<number>;
}

function member(topic: string, name: string): Member {
  const channel = openSocket().channel(topic, { meta: { name } });
  const presence = new Presence(channel);
  const diffs: unknown[] = [];
  channel.on('presence_diff', (diff) => {
    diffs.push(diff);
  });
  const counts: Member['counts'] = [];
  channel.on('presence_occupancy', (count) => {
    counts.push(count as Member['counts'][number]);
  });
  let joinedAt = 0;
  const synced = new Promise<number>((resolve) => presence.onSync(() => {
    resolve(Date.now() - joinedAt);
  }));
  return {
    name,
    channel,
    presence,
    diffs,
    counts,
    synced: new Promise<number>((resolve, reject) => {
      channel
        .join()
        .receive('ok', () => {
          joinedAt = Date.now();
          synced.then(resolve, reject);
        })
        .receive('error', (reason: unknown) => reject(new Error(`join refused: ${JSON.stringify(reason)}`)))
        .receive('timeout', () => reject(new Error('join timed out')));
    }),
  };
}

const names = (presence: Presence) => presence.list((_key, { metas }) => (metas as { name: string }[]).map((m) => m.name).join('+')).sort();

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('phoenix Presence through a coalesced burst (default 1 s window)', () => {
  it('hears 40 joins and 8 leaves as a few diffs, and every Presence ends in the server state', async () => {
    // Prepare: two members present before the burst, their Presence settled
    const topic = `room:burst-${process.pid}`;
    const early = [member(topic, 'early-a'), member(topic, 'early-b')];
    await Promise.all(early.map((m) => m.synced));
    await until(() => early.every((m) => names(m.presence).length === 2), 'the early members to see each other');
    for (const m of early) m.diffs.splice(0);

    // Act: a burst of 40 joins; 8 of the joiners leave again right after their join
    const burstStarted = Date.now();
    const burst = Array.from({ length: 40 }, (_, i) => member(topic, `burst-${String(i).padStart(2, '0')}`));
    const delays = await Promise.all(burst.map((m) => m.synced));
    const leaving = burst.slice(0, 8);
    await Promise.all(leaving.map((m) => new Promise((resolve) => m.channel.leave().receive('ok', resolve))));
    // On a loaded machine the burst can span more windows than the 2 or 3 it takes when idle:
    // the bound is the windows it really spanned, plus the one that announces its tail.
    const windowsSpanned = Math.ceil((Date.now() - burstStarted) / 1000) + 1;
    const staying = [...early, ...burst.slice(8)];
    const expected = staying.map((m) => m.name).sort();
    await until(() => staying.every((m) => names(m.presence).join() === expected.join()), 'every Presence to reach the server state');

    // Assess: each joiner got its state right after its reply, not after the window
    expect(Math.max(...delays)).toBeLessThan(1000);
    // Assess: the server holds exactly those members, and every client's Presence agrees
    const server = await fetch(`${gateway.url.replace('ws:', 'http:')}/presence`, { method: 'POST', body: JSON.stringify({ topic }) });
    const held = ((await server.json()) as { presence: Record<string, { metas: { name: string }[] }> }).presence;
    expect(Object.values(held).flatMap(({ metas }) => metas.map((m) => m.name)).sort()).toEqual(expected);
    for (const m of staying) expect(names(m.presence), m.name).toEqual(expected);
    // Assess: 48 changes reached an early member as a handful of diffs (one per window the burst spanned)
    expect(windowsSpanned, 'the burst outlasted what coalescing can show here').toBeLessThan(24);
    for (const m of early) {
      expect(m.diffs.length, m.name).toBeGreaterThan(0);
      expect(m.diffs.length, m.name).toBeLessThanOrEqual(Math.max(4, windowsSpanned));
    }
    // Assess: no more diffs follow once the windows have passed
    const counts = staying.map((m) => m.diffs.length);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(staying.map((m) => m.diffs.length)).toEqual(counts);
  });
});

describe('phoenix Presence on a topic with a presence cap', () => {
  it('lists nobody past the cap, with counts instead, and everyone again once under it', async () => {
    // Prepare: two members listed
    const topic = `crowd:burst-${process.pid}`;
    const early = [member(topic, 'early-a'), member(topic, 'early-b')];
    await Promise.all(early.map((m) => m.synced));
    await until(() => early.every((m) => names(m.presence).length === 2), 'the early members to see each other');

    // Act 1: a burst of 15 joins takes the topic to 17, past its cap of 10
    const burst = Array.from({ length: 15 }, (_, i) => member(topic, `burst-${String(i).padStart(2, '0')}`));
    await Promise.all(burst.map((m) => m.synced));
    const everyone = [...early, ...burst];
    await until(() => everyone.every((m) => m.counts.at(-1)?.subscribers === 17), 'every member to hear the count of 17');

    // Assess 1: every Presence is empty (an empty presence_state), and the count is exact
    for (const m of everyone) expect(names(m.presence), m.name).toEqual([]);
    for (const m of everyone) expect(m.counts.at(-1), m.name).toEqual({ subscribers: 17, presence: 17 });

    // Act 2: 8 leave; 9 stay, under the cap
    const leaving = burst.slice(0, 8);
    await Promise.all(leaving.map((m) => new Promise((resolve) => m.channel.leave().receive('ok', resolve))));
    const staying = [...early, ...burst.slice(8)];
    const expected = staying.map((m) => m.name).sort();
    await until(() => staying.every((m) => names(m.presence).join() === expected.join()), 'every Presence to list the 9 members again');

    // Assess 2: the lists match the server's presence
    const server = await fetch(`${gateway.url.replace('ws:', 'http:')}/presence`, { method: 'POST', body: JSON.stringify({ topic }) });
    const held = ((await server.json()) as { presence: Record<string, { metas: { name: string }[] }> }).presence;
    expect(Object.values(held).flatMap(({ metas }) => metas.map((m) => m.name)).sort()).toEqual(expected);
  });
});
