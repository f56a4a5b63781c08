/**
 * Bad Pusher frames, sent raw: each is answered with `pusher:error` (or, for a subscribe, the
 * channel's `pusher:subscription_error`) carrying a stable reason; the connection stays open
 * and a subscribed neighbour receives nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../support/template-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';
import { publish, PUSHER_APP, startPusherGateway } from './pusher-support.js';

let gateway: RunningGateway;
let attacker: WsClient;
let neighbour: WsClient;
const clients: WsClient[] = [];

async function pusherSocket(): Promise<WsClient> {
  const client = await openClient(gateway.url, { path: `/app/${PUSHER_APP.key}?protocol=7&client=js&version=8.6.0&flash=false` });
  clients.push(client);
  await client.next((m) => m.event === 'pusher:connection_established');
  return client;
}

beforeAll(async () => {
  gateway = await startPusherGateway();
  [attacker, neighbour] = [await pusherSocket(), await pusherSocket()];
  for (const client of [attacker, neighbour]) {
    client.send({ event: 'pusher:subscribe', data: { channel: 'lobby' } });
    await client.next((m) => m.event === 'pusher_internal:subscription_succeeded');
  }
});

afterAll(async () => {
  await closeAll(clients);
  await gateway?.end();
});

const BAD: readonly { name: string; frame: unknown; event: string; reason: string }[] = [
  { name: 'an unknown event', frame: { event: 'shout', channel: 'lobby', data: {} }, event: 'pusher:error', reason: 'invalid_event' },
  { name: 'a client event on a public channel', frame: { event: 'client-x', channel: 'lobby', data: {} }, event: 'pusher:error', reason: 'unauthorized' },
  { name: 'a client event on a channel not subscribed', frame: { event: 'client-x', channel: 'private-elsewhere', data: {} }, event: 'pusher:error', reason: 'not_joined' },
  { name: 'a subscribe without data', frame: { event: 'pusher:subscribe' }, event: 'pusher:error', reason: 'invalid_frame' },
  { name: 'a subscribe to an empty channel name', frame: { event: 'pusher:subscribe', data: { channel: '' } }, event: 'pusher:error', reason: 'invalid_topic' },
  { name: 'a private subscribe without auth', frame: { event: 'pusher:subscribe', data: { channel: 'private-a' } }, event: 'pusher:subscription_error', reason: 'unauthorized' },
  { name: 'a presence subscribe without channel_data', frame: { event: 'pusher:subscribe', data: { channel: 'presence-a', auth: `${PUSHER_APP.key}:00` } }, event: 'pusher:subscription_error', reason: 'unauthorized' },
  { name: 'an encrypted channel', frame: { event: 'pusher:subscribe', data: { channel: 'private-encrypted-a', auth: 'x' } }, event: 'pusher:subscription_error', reason: 'unsupported' },
  { name: 'a cache channel', frame: { event: 'pusher:subscribe', data: { channel: 'cache-prices' } }, event: 'pusher:subscription_error', reason: 'unsupported' },
  { name: 'a private cache channel', frame: { event: 'pusher:subscribe', data: { channel: 'private-cache-prices', auth: 'x' } }, event: 'pusher:subscription_error', reason: 'unsupported' },
  { name: 'a sign-in', frame: { event: 'pusher:signin', data: { auth: 'x', user_data: '{}' } }, event: 'pusher:error', reason: 'unsupported' },
];

describe('the app key in the path', () => {
  it("answers a connect to another key as Pusher does: pusher:error 4001, then a close with 4001, and no connection", async () => {
    // Act
    const client = await openClient(gateway.url, { path: '/app/not-our-key?protocol=7&client=js' });
    const error = await client.next((m) => m.event === 'pusher:error');
    const closed = await client.closed;

    // Assess
    expect(JSON.parse(error.data as string)).toEqual({ code: 4001, message: 'App key not-our-key not in this cluster. Did you forget to specify the cluster?' });
    expect(closed.code).toBe(4001);
    expect(gateway.connections.size).toBe(2);
  });
});

describe('bad Pusher frames', () => {
  it.each(BAD.map((bad) => [bad.name, bad] as const))('answers %s with a stable reason, and nothing else happens', async (_name, bad) => {
    // Act
    attacker.send(bad.frame);
    const answer = await attacker.next((m) => m.event === bad.event);

    // Assess
    expect(JSON.parse(answer.data as string)).toMatchObject({ reason: bad.reason });
    expect(attacker.isOpen).toBe(true);
  });

  it('left the neighbour untouched: its next frame is the first legitimate broadcast', async () => {
    // Act
    await publish(gateway, { topic: 'lobby', event: 'proof', payload: {} });

    // Assess
    await neighbour.next((m) => m.event === 'proof');
    expect(neighbour.messages.map((m) => (m as { event: string }).event)).toEqual(['pusher:connection_established', 'pusher_internal:subscription_succeeded', 'proof']);
  });
});
