/**
 * One topic, two ecosystems: the official `phoenix` client and `pusher-js`, both unmodified,
 * on the Pusher presence channel `presence-…` = the topicast topic of the same name. They
 * see each other's broadcasts and one set of presence members.
 */
import { SignJWT } from 'jose';
import { Presence, Socket, type Channel as PhoenixChannel } from 'phoenix';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';
import type { RunningGateway } from '../support/template-gateway.js';
import { nextEvent, pusherClient, startPusherGateway, subscribed, uniqueChannel, type Pusher } from './pusher-support.js';

const TOKEN_SECRET = 'pusher-phoenix-interop-secret-long-enough';
let gateway: RunningGateway;
const closers: (() => void)[] = [];

beforeAll(async () => {
  gateway = await startPusherGateway({ env: { TOPICAST_TOKEN_SECRET: TOKEN_SECRET } });
});

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

afterAll(async () => {
  await gateway?.end();
});

async function phoenixSocket(sub: string): Promise<Socket> {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(TOKEN_SECRET));
  const socket = new Socket(`${gateway.url}/prod`, {
    transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
    params: { token },
    reconnectAfterMs: () => 50,
  });
  socket.connect();
  closers.push(() => socket.disconnect());
  return socket;
}

function joined(channel: PhoenixChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive('ok', () => resolve())
      .receive('error', (reason: unknown) => reject(new Error(`join refused: ${JSON.stringify(reason)}`)))
      .receive('timeout', () => reject(new Error('join timed out')));
  });
}

function until<T>(register: (resolve: (value: T) => void) => void, what: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function track(client: Pusher): Pusher {
  closers.push(() => client.disconnect());
  return client;
}

describe('a Phoenix client and a Pusher client on one topic', () => {
  it('see one presence set and exchange messages both ways', async () => {
    // Prepare: Phoenix's ada (token sub) joins first, then Pusher's grace.
    const topic = uniqueChannel('presence');
    const socket = await phoenixSocket('ada');
    const phoenixChannel = socket.channel(topic, { meta: { name: 'Ada' } });
    const presence = new Presence(phoenixChannel);
    await joined(phoenixChannel);
    const graceArrived = until<void>((resolve) => presence.onSync(() => {
      if (presence.list((id) => id).includes('grace')) resolve();
    }), 'grace in Phoenix presence');
    const grace = track(pusherClient(gateway, { member: { user_id: 'grace', user_info: { name: 'Grace' } } }));

    // Act
    const { channel, data } = await subscribed(grace, topic);
    await graceArrived;
    const atPusher = nextEvent(channel, 'shout');
    phoenixChannel.push('shout', { text: 'from phoenix' });
    const atPhoenix = until<unknown>((resolve) => phoenixChannel.on('client-wave', resolve), 'client-wave at Phoenix');
    channel.trigger('client-wave', { text: 'from pusher' });

    // Assess
    const members = data as { count: number; members: Record<string, unknown> };
    expect(members.count).toBe(2);
    expect(members.members).toEqual({ ada: { name: 'Ada' }, grace: { name: 'Grace' } });
    expect(presence.list((id) => id).sort()).toEqual(['ada', 'grace']);
    expect(await atPusher).toEqual({ text: 'from phoenix' });
    expect(await atPhoenix).toEqual({ text: 'from pusher' });
  });

  it('refuses an anonymous Phoenix join of a private- channel, which needs a token or a Pusher signature', async () => {
    // Prepare
    const socket = new Socket(`${gateway.url}/prod`, { transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket, reconnectAfterMs: () => 50 });
    socket.connect();
    closers.push(() => socket.disconnect());
    const channel = socket.channel(uniqueChannel('private'), {});

    // Act
    const outcome = await joined(channel).then(() => 'joined', (error: Error) => error.message);

    // Assess
    expect(outcome).toMatch(/unauthorized/);
  });
});
