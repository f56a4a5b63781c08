/**
 * Every AWS call each function makes is allowed by that function's role in the template
 * that deploys. The template runtime enforces IAM on every call (each function signs with
 * credentials of its own role, evaluated by @cloud-copilot/iam-simulate), and the template
 * harness fails a gateway that printed a denial (test/support/template-gateway.ts; its guard
 * is shown failing in access-denied-guard.test.ts). What this file adds is a scenario that
 * runs every function of the template through every code path that calls AWS: every route,
 * the fan-out worker, both presence readers (coalesced and window 0), the grace function,
 * the publish function (every path), Pusher's HTTP API and webhook functions, reaping of
 * connections that answer 410 Gone on each path, TTL deletions, the presence cap's
 * occupancy item, history and lifecycle events. It then asserts that every function ran,
 * that none failed, and that no call was denied.
 *
 * Not here: a `grantPublish` grantee (a user's own function, not in npm start's template):
 * its statements are test/infra/publish.test.ts's subject (exactly the SDK's actions), and
 * its reaping is test/audit/iam-gaps.test.ts's, under its role's policies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Pusher from 'pusher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signChannel } from '../../lambdas/core/pusher/channel-auth.js';
import { socketIdOf } from '../../lambdas/core/pusher/socket-id.js';
import type { TopicastConfigInput } from '../../lambdas/core/config.js';
import { connectionIdOf, waitUntil } from '../support/local-gateway.js';
import { accessDeniedLines, realtimeStore, startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { jwtFor } from '../security/tokens.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

const STAGE = 'prod';
const SECRET = 'iam-by-role-secret-long-enough-for-hs256';
const PUSHER = { appId: 'iam-app', key: 'iam-key', secret: 'iam-pusher-secret' } as const;
const CHANNEL = fileURLToPath(new URL('../support/fixtures/kv-channel.ts', import.meta.url));
// A first invocation of each function starts its process: slow on a busy machine.
const COLD_MS = 30_000;

/**
 * One configuration chosen to reach every code path: `room:*` coalesced by the presence
 * function and capped at 2 members (the occupancy item), `now:*` announced by the route
 * functions themselves (window 0); fan-out workers from 3 subscribers; history on both;
 * lifecycle events (occupancy markers, PutEvents, the Pusher webhooks' rule).
 */
const CONFIG = {
  auth: 'optional',
  presence: { windowMs: 1000, maxMembers: 2, graceMs: 1000, topics: [{ pattern: 'now:*', windowMs: 0 }] },
  fanout: { workerThreshold: 2, workerBatchSize: 2 },
  history: { 'room:*': { maxMessages: 10 }, 'now:*': { maxMessages: 10 } },
  lifecycleEvents: true,
} satisfies TopicastConfigInput;

let gateway: RunningGateway;
let webhookReceiver: Server;
const webhooks: { name: string; channel: string }[] = [];
const clients: WsClient[] = [];

beforeAll(async () => {
  webhookReceiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      webhooks.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: { name: string; channel: string }[] }).events);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => webhookReceiver.listen(0, '127.0.0.1', resolve));
  gateway = await startTestGateway({
    stage: STAGE,
    env: {
      TOPICAST_TOKEN_SECRET: SECRET,
      TOPICAST_PUSHER_APP_ID: PUSHER.appId,
      TOPICAST_PUSHER_KEY: PUSHER.key,
      TOPICAST_PUSHER_SECRET: PUSHER.secret,
      TOPICAST_PUSHER_WEBHOOK_URL: `http://127.0.0.1:${(webhookReceiver.address() as AddressInfo).port}/hooks`,
    },
    config: CONFIG,
    channels: [CHANNEL],
  });
  await runScenarios();
}, 240_000);

afterAll(async () => {
  await closeAll(clients.splice(0));
  // The harness's guard: ending fails on any denial the scenario met.
  await gateway?.end();
  await new Promise((resolve) => webhookReceiver?.close(resolve));
});

// ---------------------------------------------------------------------------------------
// Scenarios: every route, the fan-out worker, both presence readers, the grace function, the
// publish function, Pusher's HTTP API and webhooks, including the reaping of connections
// that answer 410 Gone.

async function connect(options: { sub?: string; phoenix?: boolean } = {}): Promise<WsClient> {
  const query = [options.sub ? `token=${await jwtFor(SECRET, { sub: options.sub })}` : '', options.phoenix ? 'vsn=2.0.0' : ''].filter(Boolean).join('&');
  const client = await openClient(`${gateway.url}/${STAGE}`, { path: query ? `/?${query}` : '' });
  clients.push(client);
  return client;
}

/** Joins with a cold start's patience, and fails on a refusal. */
async function join(client: WsClient, topic: string, payload: Record<string, unknown> = {}): Promise<void> {
  const reply = await client.request({ action: 'join', topic, payload }, COLD_MS);
  expect(reply.payload?.status, `join ${topic}: ${JSON.stringify(reply)}`).toBe('ok');
}

let ghosts = 0;
/** A connection whose socket vanished without `$disconnect` (410 Gone), written past every function. */
async function ghostIn(topics: readonly string[], sub?: string, lifetimeSeconds = 7500): Promise<string> {
  ghosts += 1;
  const id = `Ghost${String(ghosts).padStart(10, '0')}=`;
  const store = realtimeStore(gateway);
  const expiresAt = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const identity = sub ? { sub, claims: { sub } } : null;
  await store.putConnection({ connectionId: id, endpoint: gateway.managementEndpoint, identity, format: 'native', connectedAt: Date.now(), expiresAt });
  for (const topic of topics) {
    await store.putSubscription({ topic, connectionId: id, endpoint: gateway.managementEndpoint, format: 'native', joinRef: null, presenceKey: id, meta: { phx_ref: `ghost-${topic}` }, expiresAt }, 1);
  }
  return id;
}

async function gone(id: string): Promise<void> {
  const store = realtimeStore(gateway);
  await waitUntil(async () => (await store.getConnectionState(id)).connection === null, `${id} is removed`, COLD_MS);
}

/** What a backend calls: the publish Function URL, mounted on the API's port as npm start serves it. */
async function server(path: string, body: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  expect(response.status, `POST ${path}: ${text}`).toBe(200);
  return JSON.parse(text) as unknown;
}

async function runScenarios(): Promise<void> {
  // $connect: anonymous, and with a token (the user's lookup item)
  const anon = await connect();
  const alice = await connect({ sub: 'alice' });
  const alice2 = await connect({ sub: 'alice' });
  const phoenix = await connect({ sub: 'bob', phoenix: true });

  // join: a channel module's topic (kv), coalesced and capped presence, history
  const room = 'room:big';
  const ghostOfRoom = await ghostIn([room]);
  for (const client of [anon, alice, alice2]) await join(client, room, { meta: { n: 1 } });
  // $default: Phoenix V2 frames are a join, a push, a heartbeat and a leave
  phoenix.send(['1', '1', room, 'phx_join', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '1' && m[3] === 'phx_reply', COLD_MS);

  // push: through the module (kv append, broadcast with history) to 5 subscribers: fan-out
  // workers, which meet the ghost and reap it (and run the module's leave)
  await anon.request({ action: 'push', topic: room, event: 'shout', payload: { n: 1 } }, COLD_MS);
  await gone(ghostOfRoom);
  phoenix.send(['1', '2', room, 'shout', { n: 2 }]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '2' && m[3] === 'phx_reply', COLD_MS);
  phoenix.send([null, '3', 'phoenix', 'heartbeat', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '3', COLD_MS);

  // window 0: the route functions announce presence themselves; a small topic's push is
  // delivered inline, meets a ghost and reaps it
  const now = 'now:small';
  await join(anon, now, { meta: { n: 2 } });
  const ghostOfNow = await ghostIn([now], 'carol');
  await anon.request({ action: 'push', topic: now, event: 'tick', payload: {} }, COLD_MS);
  await gone(ghostOfNow);
  // replay on join (history read)
  await join(alice, now, { since: 0 });

  // the presence function: coalesced diffs, the cap's occupancy item, lifecycle markers and
  // events; a ghost in a coalesced topic answers 410 to the diff and is reaped there
  const presenceGhost = await ghostIn(['room:haunted']);
  await join(alice, 'room:haunted', { meta: { n: 3 } });
  await waitUntil(async () => {
    await gateway.flushPresence();
    return (await realtimeStore(gateway).getConnectionState(presenceGhost)).connection === null;
  }, 'the presence function reaped the ghost of room:haunted', COLD_MS);
  // TTL deletes an expired member of a window-0 topic: only the stream sees it, and the
  // window-0 reader announces its leave
  await join(anon, 'now:expiring');
  const expired = await ghostIn(['now:expiring'], undefined, -60);
  expect(await gateway.sweep()).toBeGreaterThanOrEqual(1);
  await gateway.flushPresence();
  await anon.next((m) => m.event === 'presence_diff' && m.topic === 'now:expiring' && m.payload.leaves[expired] !== undefined, COLD_MS, 'the expired member\'s leave');

  // a Pusher client: $connect hands its greeting to the worker, which posts it; $default
  // verifies a private and a presence subscribe, relays a client event, answers a ping
  await pusherScenario();

  // leave (the module's leave), ping
  await anon.request({ action: 'leave', topic: room }, COLD_MS);
  phoenix.send(['1', '4', room, 'phx_leave', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '4', COLD_MS);
  await anon.ping(COLD_MS);

  // presence across a reconnect: a named member's $disconnect holds its row and its rejoin
  // takes it over (the member record, the takeover); a member that does not come back is
  // released by the grace function when its timer fires
  const dave = await connect({ sub: 'dave' });
  await join(dave, 'grace:a', { meta: { n: 4 }, member: 'member-dave-0123456789' });
  const daveId = connectionIdOf(gateway, dave);
  dave.socket.terminate();
  await gone(daveId);
  const daveAgain = await connect({ sub: 'dave' });
  await join(daveAgain, 'grace:a', { meta: { n: 4 }, member: 'member-dave-0123456789' });
  const erin = await connect({ sub: 'erin' });
  await join(erin, 'grace:a', { meta: { n: 5 }, member: 'member-erin-0123456789' });
  const erinId = connectionIdOf(gateway, erin);
  erin.socket.terminate();
  await gone(erinId);
  await waitUntil(() => gateway.invocations.some((invocation) => invocation.logicalId.startsWith('RealtimePresenceGrace')), 'the grace timer fired', COLD_MS);

  // $disconnect (the module's leave, window-0 leaves)
  const aliceId = connectionIdOf(gateway, alice);
  await alice.close();
  await gone(aliceId);

  // the publish function, every path
  await serverScenario(anon);
  // Pusher's HTTP API function, every endpoint
  await pusherHttpScenario();
  // the webhook function: lifecycle events through the template's rule
  await webhookScenario();
  await gateway.flushPresence();
  await closeAll(clients.splice(0));
  await waitUntil(() => gateway.connections.size === 0, 'every socket closed', COLD_MS);
  await gateway.flushPresence();
  await gateway.drain();
}

async function pusherScenario(): Promise<void> {
  const pusherClient = async () => {
    const client = await openClient(gateway.url, { path: `/app/${PUSHER.key}?protocol=7&client=js&version=8.6.0&flash=false` });
    clients.push(client);
    const established = await client.next((m) => m.event === 'pusher:connection_established', COLD_MS);
    return { client, socketId: (JSON.parse(established.data as string) as { socket_id: string }).socket_id };
  };
  const [first, second] = [await pusherClient(), await pusherClient()];
  for (const { client, socketId } of [first, second]) {
    client.send({ event: 'pusher:subscribe', data: { channel: 'private-iam', auth: `${PUSHER.key}:${signChannel(PUSHER, socketId, 'private-iam')}` } });
    await client.next((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === 'private-iam', COLD_MS);
    const channelData = JSON.stringify({ user_id: `u-${socketId}` });
    client.send({ event: 'pusher:subscribe', data: { channel: 'presence-now-iam', auth: `${PUSHER.key}:${signChannel(PUSHER, socketId, 'presence-now-iam', channelData)}`, channel_data: channelData } });
    await client.next((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === 'presence-now-iam', COLD_MS);
  }
  first.client.send({ event: 'client-hi', channel: 'private-iam', data: {} });
  await second.client.next((m) => m.event === 'client-hi', COLD_MS);
  first.client.send({ event: 'pusher:ping', data: {} });
  await first.client.next((m) => m.event === 'pusher:pong', COLD_MS);
  first.client.send({ event: 'pusher:unsubscribe', data: { channel: 'presence-now-iam' } });
  // Presence on this topic is coalesced: the presence function announces the leave.
  await waitUntil(async () => {
    await gateway.flushPresence();
    return second.client.messages.some((m) => (m as { event?: string }).event === 'pusher_internal:member_removed');
  }, 'the presence function announced the Pusher member\'s leave', COLD_MS);
}

/** publish (inline posts to a small topic, the worker for a big one), presence, occupancy, history, both disconnects. */
async function serverScenario(live: WsClient): Promise<void> {
  const topic = 'now:server';
  await join(live, topic);
  const ghost = await ghostIn([topic], 'dave');
  await server('/publish', { topic, event: 'news', payload: { n: 1 } });
  await gone(ghost);
  const big = 'now:big';
  for (const client of [live, await connect(), await connect()]) await join(client, big);
  await server('/publish', { topic: big, event: 'news', payload: { n: 2 } });
  await live.next((m) => m.topic === big && m.event === 'news', COLD_MS);
  await server('/publish', { messages: [{ topic, event: 'batch', payload: {} }, { topic: big, event: 'batch', payload: {} }] });
  await server('/presence', { topic: 'room:big' });
  await server('/occupancy', { topic: 'room:big' });
  await server('/history', { topic: 'room:big' });
  // disconnect: a gone connection is reaped; a live one is closed (DELETE @connections)
  await server('/disconnect', { connectionId: await ghostIn([topic]) });
  const extra = await connect({ sub: 'erin-server' });
  await server('/disconnect', { connectionId: connectionIdOf(gateway, extra) });
  await extra.closed;
  const other = await connect({ sub: 'frank-server' });
  await server('/disconnect', { user: 'frank-server' });
  await other.closed;
  await ghostIn([], 'gina-server');
  await server('/disconnect', { user: 'gina-server' });
}

/** Every endpoint of Pusher's HTTP API, signed by the official `pusher` SDK. */
async function pusherHttpScenario(): Promise<void> {
  const pusher = new Pusher({ ...PUSHER, host: '127.0.0.1', port: String(gateway.port), useTLS: false });
  const ok = async (what: string, response: Promise<{ status: number; text(): Promise<string> }>) => {
    const answer = await response.catch((error: { status?: number; body?: string }) => ({ status: error.status ?? 0, text: async () => String(error.body ?? error) }));
    expect(answer.status, `${what}: ${await answer.text()}`).toBe(200);
  };
  // presence- and private- topics take authenticated native connections only.
  const live = await connect({ sub: 'iam-pusher-member' });
  const channel = 'presence-iam';
  await join(live, channel);
  const ghost = await ghostIn([channel], 'hank');
  await ok('trigger', pusher.trigger(channel, 'news', { n: 1 }, { socket_id: socketIdOf(connectionIdOf(gateway, live)), info: 'subscription_count,user_count' }));
  await gone(ghost);
  // A channel over the worker threshold: the fan-out worker is invoked.
  const big = 'presence-iam-big';
  for (const client of [live, await connect({ sub: 'iam-big-1' }), await connect({ sub: 'iam-big-2' })]) await join(client, big);
  await ok('triggerBatch', pusher.triggerBatch([{ name: 'a', channel, data: '{}' }, { name: 'b', channel: big, data: '{}' }]));
  await ok('channel info', pusher.get({ path: `/channels/${channel}`, params: { info: 'subscription_count,user_count' } }));
  await ok('users', pusher.get({ path: `/channels/${channel}/users` }));
  // GET /channels: the channel index, each entry checked, vacant ones removed
  await ok('channels', pusher.get({ path: '/channels' }));
  await ok('channels by prefix', pusher.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } }));
  const other = await connect({ sub: 'ivan' });
  await ok('terminate', pusher.terminateUserConnections('ivan'));
  await other.closed;
}

/** A member_added webhook (which reads the user's other connections on the channel) and an occupancy one. */
async function webhookScenario(): Promise<void> {
  const live = await connect({ sub: 'iam-webhook-member' });
  const channel = 'presence-webhook-iam';
  await join(live, channel);
  await waitUntil(async () => {
    await gateway.flushPresence();
    await gateway.drain();
    return ['channel_occupied', 'member_added'].every((name) => webhooks.some((hook) => hook.name === name && hook.channel === channel));
  }, 'the member_added and channel_occupied webhooks', COLD_MS);
}

// ---------------------------------------------------------------------------------------

describe('IAM: every call a function makes is allowed by its role in the synthesized template', () => {
  it('runs every function of the template', () => {
    const functions = gateway.runtime.app.functions.map((fn) => fn.logicalId);
    const ran = new Set(gateway.invocations.map((invocation) => invocation.logicalId));
    expect(functions.filter((logicalId) => !ran.has(logicalId))).toEqual([]);
  });

  it('has no function fail', () => {
    const failed = gateway.invocations.filter((invocation) => invocation.status !== 'returned');
    expect(failed, gateway.lines.filter((line) => /ERROR|WARN/.test(line)).join('\n')).toEqual([]);
  });

  it('has no call denied', () => {
    expect(accessDeniedLines(gateway.lines)).toEqual([]);
  });
});
