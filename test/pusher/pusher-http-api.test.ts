/**
 * Pusher's HTTP API on the local gateway's port, driven by the official `pusher` server SDK
 * (the npm package, unmodified), configured as a Laravel or Node backend would be:
 * `host: '127.0.0.1', port, useTLS: false`. Its events reach WebSocket subscribers of the
 * topic named by the channel; channel and user reads answer from the table; requests
 * that are unsigned, badly signed or stale are refused with Pusher's 401.
 */
import { createHash, createHmac } from 'node:crypto';
import Pusher from 'pusher';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { socketIdOf } from '../../lambdas/core/pusher/socket-id.js';
import { PUSHER_HTTP_LIMITS } from '../../lambdas/core/pusher/http-requests.js';
import { connectTracked, waitUntil } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';
import { connected, nextEvent as nextPusherEvent, pusherClient, subscribed, PUSHER_APP, type Member, type Pusher as PusherJsClient } from './pusher-support.js';

const APP = PUSHER_APP;
const TOKEN_SECRET = 'a-token-secret-of-sufficient-length-for-hs256';

let gateway: RunningGateway;
let pusher: Pusher;
const clients: WsClient[] = [];
const pusherJsClients: PusherJsClient[] = [];
let channelCounter = 0;

beforeAll(async () => {
  gateway = await startTestGateway({
    env: { TOPICAST_PUSHER_APP_ID: APP.appId, TOPICAST_PUSHER_KEY: APP.key, TOPICAST_PUSHER_SECRET: APP.secret, TOPICAST_TOKEN_SECRET: TOKEN_SECRET },
  });
  pusher = new Pusher({ ...APP, host: '127.0.0.1', port: String(gateway.port), useTLS: false });
});

afterEach(async () => {
  for (const client of pusherJsClients.splice(0)) client.disconnect();
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

function channel(prefix = ''): string {
  channelCounter += 1;
  return `${prefix}room-${process.pid}-${channelCounter}`;
}

let users = 0;
/** A native client joined to `topic`, with a token (private- and presence- topics need one) of its own user unless `path` names one. */
async function subscriber(topic: string, path?: string): Promise<{ client: WsClient; id: string }> {
  users += 1;
  const tracked = await connectTracked(gateway, clients, { path: path ?? `/?token=${await tokenOf(`user-${users}`)}` });
  await tracked.client.join(topic);
  await tracked.client.nextEvent('presence_state');
  return tracked;
}

function tokenOf(sub: string): Promise<string> {
  return new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(TOKEN_SECRET));
}

/** pusher-js, connected, as `member` on presence channels; disconnected after the test. */
async function pusherJs(member?: Member): Promise<PusherJsClient> {
  const client = pusherClient(gateway, { ...(member ? { member } : {}), extra: {} });
  pusherJsClients.push(client);
  await connected(client);
  return client;
}

/** The SDK JSON-encodes `post`'s body itself (its typings say string, its code takes an object). */
function jsonBody(body: Record<string, unknown>): string {
  return body as unknown as string;
}

async function answerOf(promise: Promise<{ status: number; json(): Promise<unknown> }>): Promise<{ status: number; body: unknown }> {
  try {
    const response = await promise;
    return { status: response.status, body: await response.json() };
  } catch (error) {
    const failure = error as { status?: number; body?: string };
    if (failure.status === undefined) throw error;
    return { status: failure.status, body: JSON.parse(failure.body ?? 'null') };
  }
}

describe('pusher.trigger', () => {
  it('delivers to the subscribers of the topic the channel names, as event and payload', async () => {
    const name = channel();
    const { client } = await subscriber(name);

    const answer = await answerOf(pusher.trigger(name, 'order-shipped', { id: 7, items: ['a'] }));

    expect(answer).toEqual({ status: 200, body: {} });
    expect(await client.nextEvent('order-shipped')).toEqual({ topic: name, event: 'order-shipped', payload: { id: 7, items: ['a'] } });
  });

  it('sends one event to several channels, and a string that is not JSON stays a string', async () => {
    const [first, second] = [channel(), channel()];
    const a = await subscriber(first as string);
    const b = await subscriber(second as string);

    await pusher.trigger([first as string, second as string], 'note', 'plain text, not JSON');

    expect((await a.client.nextEvent('note')).payload).toBe('plain text, not JSON');
    expect((await b.client.nextEvent('note')).payload).toBe('plain text, not JSON');
  });

  it('leaves out the connection named by socket_id', async () => {
    const name = channel();
    const sender = await subscriber(name);
    const other = await subscriber(name);

    await pusher.trigger(name, 'moved', { x: 1 }, { socket_id: socketIdOf(sender.id) });

    expect((await other.client.nextEvent('moved')).payload).toEqual({ x: 1 });
    // The same socket receives the next event, but never the excluded one before it.
    await pusher.trigger(name, 'after', {});
    await sender.client.nextEvent('after');
    expect(sender.client.messages.some((message) => (message as { event?: string }).event === 'moved')).toBe(false);
  });

  it('reaches pusher-js subscribers too, as Pusher events with the data as sent', async () => {
    const name = channel('private-');
    const client = await pusherJs();
    const { channel: subscription } = await subscribed(client, name);
    const native = await subscriber(name);

    // Bound before the trigger: its answer comes after the posts, so the event may be there first.
    const received = nextPusherEvent(subscription, 'order-shipped');
    await pusher.trigger(name, 'order-shipped', { id: 8 });

    expect(await received).toEqual({ id: 8 });
    expect((await native.client.nextEvent('order-shipped')).payload).toEqual({ id: 8 });
  });

  it('leaves out the pusher-js connection named by socket_id, as Laravel\'s toOthers() asks', async () => {
    const name = channel();
    const sender = await pusherJs();
    const other = await pusherJs();
    const { channel: senderChannel } = await subscribed(sender, name);
    const { channel: otherChannel } = await subscribed(other, name);
    const seen: string[] = [];
    senderChannel.bind('moved', () => seen.push('moved'));

    const moved = nextPusherEvent(otherChannel, 'moved');
    const after = nextPusherEvent(senderChannel, 'after');
    await pusher.trigger(name, 'moved', { x: 2 }, { socket_id: sender.connection.socket_id });
    await pusher.trigger(name, 'after', {});

    expect(await moved).toEqual({ x: 2 });
    await after;
    expect(seen).toEqual([]);
  });

  it('answers the counts asked for with info', async () => {
    const name = channel('presence-');
    await subscribed(await pusherJs({ user_id: 'alice' }), name);
    await subscribed(await pusherJs({ user_id: 'bob' }), name);

    const answer = await answerOf(pusher.trigger(name, 'tick', {}, { info: 'subscription_count,user_count' }));

    expect(answer).toEqual({ status: 200, body: { channels: { [name]: { subscription_count: 2, user_count: 2 } } } });
  });

  it('refuses what Pusher refuses, and delivers nothing of it', async () => {
    const name = channel();
    const { client } = await subscriber(name);
    const refused = await Promise.all([
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'big', data: 'x'.repeat(PUSHER_HTTP_LIMITS.dataBytes + 1), channels: [name] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'pusher:fake', data: '{}', channels: [name] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'phx_reply', data: '{}', channels: [name] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'ok', data: { not: 'a string' }, channels: [name] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'ok', data: '{}', channels: Array.from({ length: 101 }, (_, i) => `c${i}`) }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'ok', data: '{}', channels: [name, 'private-encrypted-x'] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'ok', data: '{}', channels: [name, 'presence-cache-x'] }) })),
      answerOf(pusher.post({ path: '/events', body: jsonBody({ name: 'ok', data: '{}', channels: [name], socket_id: 'abc' }) })),
    ]);

    expect(refused.map(({ status, body }) => [status, (body as { reason: string }).reason])).toEqual([
      [413, 'payload_too_large'],
      [400, 'reserved_event'],
      [400, 'reserved_event'],
      [400, 'invalid_request'],
      [400, 'too_many_channels'],
      [400, 'unsupported'],
      [400, 'unsupported'],
      [400, 'invalid_socket_id'],
    ]);
    await pusher.trigger(name, 'sentinel', {});
    await client.nextEvent('sentinel');
    expect(client.messages.filter((message) => (message as { event?: string }).event !== 'presence_state' && (message as { event?: string }).event !== 'phx_reply')).toHaveLength(1);
  });
});

describe('pusher.triggerBatch', () => {
  it('delivers every event of the batch, in order per channel', async () => {
    const name = channel();
    const { client } = await subscriber(name);

    const answer = await answerOf(
      pusher.triggerBatch([
        { channel: name, name: 'one', data: { n: 1 } },
        { channel: name, name: 'two', data: { n: 2 } },
      ]),
    );

    expect(answer.status).toBe(200);
    expect((await client.nextEvent('one')).payload).toEqual({ n: 1 });
    expect((await client.nextEvent('two')).payload).toEqual({ n: 2 });
    const events = client.messages.map((message) => (message as { event?: string }).event);
    expect(events.indexOf('one')).toBeLessThan(events.indexOf('two'));
  });

  it('refuses a batch over 10 events whole', async () => {
    const name = channel();
    const batch = Array.from({ length: PUSHER_HTTP_LIMITS.eventsPerBatch + 1 }, (_, i) => ({ channel: name, name: `e${i}`, data: '{}' }));
    const answer = await answerOf(pusher.triggerBatch(batch));
    expect(answer).toMatchObject({ status: 400, body: { reason: 'too_many_events' } });
  });
});

describe('channel and user reads', () => {
  it('GET /channels/{name}: occupied and subscription_count; user_count on presence channels', async () => {
    const name = channel('presence-');
    expect(await answerOf(pusher.get({ path: `/channels/${name}`, params: { info: 'subscription_count,user_count' } }))).toEqual({
      status: 200,
      body: { occupied: false, subscription_count: 0, user_count: 0 },
    });
    await subscribed(await pusherJs({ user_id: 'dora' }), name);
    await subscriber(name);
    expect(await answerOf(pusher.get({ path: `/channels/${name}`, params: { info: 'subscription_count,user_count' } }))).toEqual({
      status: 200,
      body: { occupied: true, subscription_count: 2, user_count: 2 },
    });
    expect(await answerOf(pusher.get({ path: `/channels/${channel()}`, params: { info: 'user_count' } }))).toMatchObject({ status: 400, body: { reason: 'invalid_info' } });
  });

  it('GET /channels/{name}/users lists the presence members of a presence channel, once per user, Pusher and Phoenix clients alike', async () => {
    const name = channel('presence-');
    await subscribed(await pusherJs({ user_id: 'alice' }), name);
    await subscribed(await pusherJs({ user_id: 'alice' }), name);
    await subscribed(await pusherJs({ user_id: 'bob' }), name);
    const token = await tokenOf('carol');
    await subscriber(name, `/?token=${token}`);
    await subscriber(name, `/?token=${token}`);

    const answer = await answerOf(pusher.get({ path: `/channels/${name}/users` }));

    expect(answer.status).toBe(200);
    expect((answer.body as { users: { id: string }[] }).users.map(({ id }) => id).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(await answerOf(pusher.get({ path: `/channels/${name}`, params: { info: 'user_count,subscription_count' } }))).toMatchObject({ body: { user_count: 3, subscription_count: 5 } });
    expect(await answerOf(pusher.get({ path: `/channels/${channel()}/users` }))).toMatchObject({ status: 400, body: { reason: 'not_presence_channel' } });
  });

  it('GET /channels lists the occupied channels, Pusher and native subscribers alike, filtered by prefix', async () => {
    const prefix = `list-${process.pid}-${Date.now()}-`;
    const [first, second, vacated] = [`${prefix}a`, `${prefix}b`, `${prefix}c`];
    const client = await pusherJs();
    await subscribed(client, first);
    await subscriber(second);
    await subscribed(client, vacated);
    client.unsubscribe(vacated);
    const occupied = async (name: string) => ((await answerOf(pusher.get({ path: `/channels/${name}` }))).body as { occupied: boolean }).occupied;
    await waitUntil(async () => !(await occupied(vacated)), 'the unsubscribe is done');

    expect(await answerOf(pusher.get({ path: '/channels', params: { filter_by_prefix: prefix } }))).toEqual({ status: 200, body: { channels: { [first]: {}, [second]: {} } } });
    const everything = await answerOf(pusher.get({ path: '/channels' }));
    expect(Object.keys((everything.body as { channels: object }).channels)).toEqual(expect.arrayContaining([first, second]));
    expect(Object.keys((everything.body as { channels: object }).channels)).not.toContain(vacated);
  });

  it('GET /channels?filter_by_prefix=presence-&info=user_count counts distinct users; user_count without that prefix is a 400', async () => {
    const name = channel(`presence-count${Date.now()}-`);
    await subscribed(await pusherJs({ user_id: 'ann' }), name);
    await subscribed(await pusherJs({ user_id: 'ann' }), name);
    await subscribed(await pusherJs({ user_id: 'ben' }), name);

    const answer = await answerOf(pusher.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } }));

    expect(answer.status).toBe(200);
    expect((answer.body as { channels: Record<string, unknown> }).channels[name]).toEqual({ user_count: 2 });
    expect(await answerOf(pusher.get({ path: '/channels', params: { info: 'user_count' } }))).toMatchObject({ status: 400, body: { reason: 'invalid_info' } });
    expect(await answerOf(pusher.get({ path: '/channels', params: { filter_by_prefix: 'private-', info: 'user_count' } }))).toMatchObject({ status: 400, body: { reason: 'invalid_info' } });
    expect(await answerOf(pusher.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'subscription_count' } }))).toMatchObject({ status: 400, body: { reason: 'invalid_info' } });
  });

  it('terminateUserConnections closes every connection of that user', async () => {
    const token = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(TOKEN_SECRET));
    const first = await openClient(gateway.url, { path: `/?token=${token}` });
    const second = await openClient(gateway.url, { path: `/?token=${token}` });
    const bystander = await openClient(gateway.url);
    clients.push(first, second, bystander);

    expect(await answerOf(pusher.terminateUserConnections('bob'))).toEqual({ status: 200, body: {} });

    await Promise.all([first.closed, second.closed]);
    await waitUntil(() => bystander.isOpen, 'the bystander stays open');
    expect(bystander.isOpen).toBe(true);
  });
});

describe('signatures', () => {
  const base = () => `http://127.0.0.1:${gateway.port}`;
  const body = JSON.stringify({ name: 'x', data: '{}', channels: ['room-sig'] });
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');

  function signedQuery(options: { timestamp?: number; secret?: string; key?: string; body?: string; tamper?: (query: string) => string }): string {
    const params: Record<string, string> = {
      auth_key: options.key ?? APP.key,
      auth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
      auth_version: '1.0',
      body_md5: md5(options.body ?? body),
    };
    const query = Object.keys(params).sort().map((key) => `${key}=${params[key]}`).join('&');
    const signature = createHmac('sha256', options.secret ?? APP.secret).update(`POST\n/apps/${APP.appId}/events\n${query}`).digest('hex');
    return `${query}&auth_signature=${signature}`;
  }

  async function post(query: string, text = body): Promise<{ status: number; reason: string }> {
    const response = await fetch(`${base()}/apps/${APP.appId}/events?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    return { status: response.status, reason: ((await response.json()) as { reason: string }).reason };
  }

  it('accepts a request signed by hand as Pusher documents it', async () => {
    expect((await post(signedQuery({}))).status).toBe(200);
  });

  it.each([
    ['unsigned', () => '', 'missing_auth_params'],
    ['signed with another secret', () => signedQuery({ secret: 'not-the-secret' }), 'invalid_signature'],
    ['signed for another key', () => signedQuery({ key: 'other-key' }), 'unknown_auth_key'],
    ['stale (signed 601 s ago)', () => signedQuery({ timestamp: Math.floor(Date.now() / 1000) - 601 }), 'stale_timestamp'],
    ['from 601 s in the future', () => signedQuery({ timestamp: Math.floor(Date.now() / 1000) + 601 }), 'stale_timestamp'],
    ['with a body other than the one signed', () => signedQuery({ body: '{"other":1}' }), 'invalid_body_md5'],
    ['with a parameter added after signing', () => `${signedQuery({})}&socket_id=1.2`, 'invalid_signature'],
  ])('refuses a request %s with 401', async (_name, query, reason) => {
    expect(await post(query())).toEqual({ status: 401, reason });
  });

  it('refuses the SDK configured with a wrong secret, and an unknown app id with 404', async () => {
    const wrong = new Pusher({ ...APP, secret: 'wrong', host: '127.0.0.1', port: String(gateway.port), useTLS: false });
    expect(await answerOf(wrong.trigger('room-x', 'e', {}))).toMatchObject({ status: 401, body: { reason: 'invalid_signature' } });
    const otherApp = new Pusher({ ...APP, appId: '1', host: '127.0.0.1', port: String(gateway.port), useTLS: false });
    expect(await answerOf(otherApp.trigger('room-x', 'e', {}))).toMatchObject({ status: 404, body: { reason: 'unknown_app' } });
  });
});
