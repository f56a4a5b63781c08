/**
 * The official `phoenix` client, unchanged, against the local gateway: Socket, Channel,
 * Presence, heartbeats, leave, and rejoin after the socket reconnects. Native clients on
 * the same topic see the Phoenix clients' broadcasts in their own format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Presence, Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';

let gateway: RunningGateway;
const sockets: Socket[] = [];

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await gateway.end();
});

function openSocket(params: Record<string, string> = {}, options: { authToken?: string } = {}): Socket {
  // The phoenix client appends /websocket; the transport strips it as API Gateway needs.
  const socket = new Socket(`${gateway.url}/prod`, {
    transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
    params,
    heartbeatIntervalMs: 200,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    ...(process.env.DEBUG_PHX ? { logger: (kind: string, msg: string, data: unknown) => console.log(kind, msg, JSON.stringify(data)) } : {}),
    ...(options.authToken ? { authToken: options.authToken } : {}),
  });
  socket.connect();
  sockets.push(socket);
  return socket;
}

function join(channel: Channel): Promise<unknown> {
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive('ok', resolve)
      .receive('error', (reason: unknown) => reject(new Error(`join refused: ${JSON.stringify(reason)}`)))
      .receive('timeout', () => reject(new Error('join timed out')));
  });
}

function waitFor<T>(register: (resolve: (value: T) => void) => void, what: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function presenceNames(presence: Presence): string[] {
  return presence.list((_key, { metas }) => (metas[0] as { name?: string }).name ?? '?').sort();
}

describe('phoenix client through the local gateway', () => {
  it('joins with a reply, pushes with a reply, and receives broadcasts with channel.on', async () => {
    // Prepare
    const alice = openSocket().channel('room:chat', { meta: { name: 'alice' } });
    const bob = openSocket().channel('room:chat', { meta: { name: 'bob' } });
    await join(alice);
    await join(bob);
    const received = waitFor<unknown>((resolve) => bob.on('shout', resolve), 'shout at bob');
    const echoed = waitFor<unknown>((resolve) => alice.on('shout', resolve), 'shout echoed to alice');

    // Act
    const reply = await new Promise((resolve, reject) => {
      alice.push('shout', { body: 'hello' }).receive('ok', resolve).receive('error', reject).receive('timeout', () => reject(new Error('timeout')));
    });

    // Assess
    expect(reply).toEqual({});
    expect(await received).toEqual({ body: 'hello' });
    expect(await echoed).toEqual({ body: 'hello' });
  });

  it('refuses pushes of reserved events with a stable reason', async () => {
    const channel = openSocket().channel('room:reserved', {});
    await join(channel);
    const reason = await new Promise((resolve) => {
      channel.push('phx_fake', {}).receive('error', resolve);
    });
    expect(reason).toMatchObject({ reason: 'reserved_event' });
  });

  it('syncs Presence across several clients and drops a leaver', async () => {
    // Prepare
    const watcherChannel = openSocket().channel('room:presence', { meta: { name: 'watcher' } });
    const presence = new Presence(watcherChannel);
    const synced = (names: string[]) =>
      waitFor<void>((resolve) => {
        presence.onSync(() => {
          if (JSON.stringify(presenceNames(presence)) === JSON.stringify(names)) resolve();
        });
      }, `presence ${names.join(',')}`);
    const watcherAlone = synced(['watcher']);
    await join(watcherChannel);
    await watcherAlone;

    // Act: two more join, then one leaves
    const allThree = synced(['carol', 'dave', 'watcher']);
    const carol = openSocket().channel('room:presence', { meta: { name: 'carol' } });
    const dave = openSocket().channel('room:presence', { meta: { name: 'dave' } });
    await join(carol);
    await join(dave);
    await allThree;
    const afterLeave = synced(['dave', 'watcher']);
    await new Promise((resolve) => carol.leave().receive('ok', resolve));

    // Assess
    await afterLeave;
    expect(presenceNames(presence)).toEqual(['dave', 'watcher']);
  });

  it('announces a leave when a socket drops and rejoins after reconnecting', async () => {
    // Prepare
    const watcherChannel = openSocket().channel('room:reconnect', { meta: { name: 'watcher' } });
    const presence = new Presence(watcherChannel);
    await join(watcherChannel);
    const flakySocket = openSocket();
    const flaky = flakySocket.channel('room:reconnect', { meta: { name: 'flaky' } });
    let dropped = false;
    let rejoinedResolve: () => void = () => undefined;
    const rejoined = new Promise<void>((resolve) => {
      rejoinedResolve = resolve;
    });
    flaky.on('presence_state', () => {
      if (dropped) rejoinedResolve();
    });
    const bothPresent = waitFor<void>((resolve) => presence.onSync(() => {
      if (presenceNames(presence).length === 2) resolve();
    }), 'two present');
    await join(flaky);
    await bothPresent;
    const flakyKeys = presence.list((key) => key).filter((key) => presence.list((k, { metas }) => (k === key ? (metas[0] as { name: string }).name : null)).includes('flaky'));

    // Act: the socket dies without a close handshake, as on a network failure
    const events: string[] = [];
    const leaveAndJoinSeen = waitFor<void>((resolve) => {
      const check = () => {
        if (events.some((e) => e.startsWith('leave:')) && events.some((e) => e.startsWith('join:'))) resolve();
      };
      presence.onLeave((key) => {
        events.push(`leave:${key}`);
        check();
      });
      presence.onJoin((key, current) => {
        if (!current) events.push(`join:${key}`);
        check();
      });
    }, 'a leave and a join of the reconnecting client');
    dropped = true;
    // `conn` is the live transport (undocumented in @types/phoenix, public in the client).
    (flakySocket as unknown as { conn: WebSocket }).conn.terminate();

    // Assess: the client reconnects by itself and rejoins; watchers saw the old key leave
    await rejoined;
    await leaveAndJoinSeen;
    expect(events).toContain(`leave:${flakyKeys[0]}`);
    expect(presenceNames(presence)).toEqual(['flaky', 'watcher']);
    const pushed = await new Promise((resolve) => flaky.push('after', { ok: true }).receive('ok', resolve));
    expect(pushed).toEqual({});
  }, 15_000);

  it('mixes native and Phoenix clients on one topic, each in its own format', async () => {
    // Prepare
    const native = new WebSocket(gateway.url);
    const frames: unknown[] = [];
    native.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => native.once('open', resolve));
    native.send(JSON.stringify({ action: 'join', topic: 'room:mixed', ref: '1' }));
    await waitFor<void>((resolve) => native.on('message', () => frames.length >= 2 && resolve()), 'native join');
    const phoenix = openSocket().channel('room:mixed', {});
    await join(phoenix);
    // Phoenix echoes a broadcast to its sender too; the two pushes come from two connections, which API Gateway
    // hands to their functions concurrently, so the phoenix client may hear its own note first.
    const fromNative = waitFor<unknown>((resolve) => phoenix.on('note', (payload: { from?: string }) => {
      if (payload.from === 'native') resolve(payload);
    }), 'native broadcast at phoenix');

    // Act
    native.send(JSON.stringify({ action: 'push', topic: 'room:mixed', event: 'note', payload: { from: 'native' }, ref: '2' }));
    await new Promise((resolve) => phoenix.push('note', { from: 'phoenix' }).receive('ok', resolve));

    // Assess
    expect(await fromNative).toEqual({ from: 'native' });
    await waitFor<void>((resolve) => {
      const check = () => {
        if (frames.some((f) => JSON.stringify(f) === JSON.stringify({ topic: 'room:mixed', event: 'note', payload: { from: 'phoenix' } }))) resolve();
      };
      check();
      native.on('message', check);
    }, 'phoenix broadcast at native client');
    native.close();
  });
});
