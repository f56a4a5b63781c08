/**
 * API Gateway's connection rules as the emulator enforces them: sockets on any path,
 * a 32 KB frame and 128 KB message limit (close 1009), `$disconnect` on every kind of close, and the idle
 * (1001 after no client message) and maximum-age (1001 whatever the activity) timeouts.
 * The timeouts are shortened on a gateway of their own, to 3 s and 10 s: a route function
 * answers in about a second on a loaded machine (each in its own process, its DynamoDB
 * requests authorized by its role), and a join must be answered before the idle close.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { itemsOfConnection, queryPartition } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const IDLE_MS = 3000;
const MAX_MS = 10_000;
let gateway: RunningGateway;
let timed: RunningGateway;
let table: TestTable;
let timedTable: TestTable;
const clients: WsClient[] = [];

beforeAll(async () => {
  [gateway, timed] = await Promise.all([startTestGateway(), startTestGateway({ idleTimeoutMs: IDLE_MS, maxConnectionMs: MAX_MS })]);
  table = gatewayTable(gateway);
  timedTable = gatewayTable(timed);
  // Cold starts ($connect, join, push, ping, presence, $disconnect) outlast the shortened timeouts:
  // run each function once before the tests time anything.
  const { client } = await connect(timed);
  const topic = uniqueTopic();
  await client.join(topic).catch(() => undefined);
  await client.request({ action: 'push', topic, event: 'warm' }).catch(() => undefined);
  await client.ping(30_000).catch(() => undefined);
  await closeAll(clients.splice(0));
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await Promise.all([table?.stop(), timedTable?.stop()]);
  await Promise.all([timed?.end(), gateway?.end()]);
});

/** Keeps a witness on the timed gateway from its idle close: a client message every third of the idle timeout. */
function keptAlive(client: WsClient): () => void {
  const timer = setInterval(() => {
    if (client.isOpen) client.send({ action: 'ping' });
  }, IDLE_MS / 3);
  return () => clearInterval(timer);
}

async function connect(on: RunningGateway = gateway, path = ''): Promise<{ client: WsClient; id: string }> {
  return connectTracked(on, clients, { path });
}

/** A client joined to `topic` that will witness others' leaves. */
async function witnessOn(topic: string, on: RunningGateway = gateway): Promise<WsClient> {
  const { client } = await connect(on);
  await client.join(topic);
  return client;
}

const leaveOf = (id: string) => (m: any) => m.event === 'presence_diff' && m.payload.leaves[id] !== undefined;

describe('paths', () => {
  it.each(['', '/', '/prod', '/local', '/socket/websocket', '/any/deep/path?x=1'])('accepts a native connection on %j', async (path) => {
    // Act
    const { client } = await connect(gateway, path);

    // Assess
    expect(await client.ping()).toMatchObject({ topic: null, payload: { status: 'ok' } });
  });

  it('accepts /socket/websocket?vsn=2.0.0 and speaks Phoenix V2 arrays on it', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect(gateway, '/socket/websocket?vsn=2.0.0');

    // Act
    client.send(['1', '1', topic, 'phx_join', {}]);
    client.send([null, '2', 'phoenix', 'heartbeat', {}]);

    // Assess
    // The first Phoenix frame starts the $default function's process: a cold start.
    expect(await client.next((m) => Array.isArray(m) && m[1] === '1', 30_000)).toEqual(['1', '1', topic, 'phx_reply', { status: 'ok', response: {} }]);
    expect(await client.next((m) => Array.isArray(m) && m[3] === 'presence_state')).toEqual(['1', null, topic, 'presence_state', expect.any(Object)]);
    expect(await client.next((m) => Array.isArray(m) && m[1] === '2')).toEqual([null, '2', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
  });
});

describe('32 KB frame and 128 KB message limits', () => {
  const KB = 1024;

  /** A push frame of exactly `bytes` bytes (ASCII), to be refused for its payload if it arrives. */
  function pushFrameOf(bytes: number, topic: string, ref: string): string {
    const envelope = JSON.stringify({ action: 'push', topic, event: 'big', payload: { data: '' }, ref });
    const frame = envelope.replace('"data":""', `"data":"${'x'.repeat(bytes - envelope.length)}"`);
    expect(Buffer.byteLength(frame)).toBe(bytes);
    return frame;
  }

  /** Sends one message as several frames of at most `frameBytes` (a browser never does; ws can). */
  function sendFragmented(client: WsClient, message: string, frameBytes: number): void {
    for (let offset = 0; offset < message.length; offset += frameBytes) {
      const chunk = message.slice(offset, offset + frameBytes);
      client.socket.send(chunk, { fin: offset + frameBytes >= message.length });
    }
  }

  it('closes the socket with 1009 on a single frame over 32 KB, and $disconnect cleans up', async () => {
    // Prepare
    const topic = uniqueTopic();
    const witness = await witnessOn(topic);
    const { client, id } = await connect();
    await client.join(topic);
    expect(await queryPartition(table, `c#${id}`)).not.toEqual([]);

    // Act: 32 KB + 1 byte in one frame, well under the 128 KB message limit
    client.send(pushFrameOf(32 * KB + 1, topic, 'big'));

    // Assess: the client sees 1009 Message Too Big and no reply
    expect((await client.closed).code).toBe(1009);

    // Assess: $disconnect ran, so the witness hears the leave and the items are gone
    await witness.next(leaveOf(id));
    expect(await itemsOfConnection(table, id)).toEqual([]);
  });

  it('accepts a frame of exactly 32 KB (refused by the payload limit, connection open)', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);

    // Act
    client.send(pushFrameOf(32 * KB, topic, 'edge'));

    // Assess
    expect(await client.reply('edge')).toMatchObject({ payload: { status: 'error', response: { reason: 'payload_too_large' } } });
    expect(client.isOpen).toBe(true);
  });

  it('carries a maximal push (payload at the default limit, longest topic, event and ref) in one frame', async () => {
    // Prepare: a 255-character topic of 3-byte characters, a 64-character event, a 255-character ref
    const topic = `room:${'€'.repeat(250)}`;
    const { client } = await connect();
    await client.join(topic);
    const payload = { d: 'x'.repeat(28 * KB - '{"d":""}'.length) };
    const frame = JSON.stringify({ action: 'push', topic, event: '€'.repeat(64), payload, ref: 'r'.repeat(255) });
    expect(Buffer.byteLength(frame)).toBeGreaterThan(29 * KB);
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(32 * KB);

    // Act
    client.send(frame);

    // Assess: accepted and broadcast back to the sender, the socket still open
    expect(await client.reply('r'.repeat(255))).toMatchObject({ payload: { status: 'ok' } });
    expect(await client.next((m) => m.event === '€'.repeat(64))).toMatchObject({ topic, payload });
    expect(client.isOpen).toBe(true);
  });

  it('accepts a 128 KB message sent in frames of 32 KB', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);

    // Act
    sendFragmented(client, pushFrameOf(128 * KB, topic, 'fragmented'), 32 * KB);

    // Assess
    expect(await client.reply('fragmented')).toMatchObject({ payload: { status: 'error', response: { reason: 'payload_too_large' } } });
    expect(client.isOpen).toBe(true);
  });

  it('closes the socket with 1009 on a message over 128 KB, even in frames of 32 KB', async () => {
    // Prepare
    const topic = uniqueTopic();
    const witness = await witnessOn(topic);
    const { client, id } = await connect();
    await client.join(topic);

    // Act
    sendFragmented(client, pushFrameOf(128 * KB + 1, topic, 'huge'), 32 * KB);

    // Assess
    expect((await client.closed).code).toBe(1009);
    await witness.next(leaveOf(id));
    expect(await itemsOfConnection(table, id)).toEqual([]);
  });
});

describe('$disconnect on close', () => {
  it.each([
    ['a normal close', (client: WsClient) => client.close(1000)],
    ['a close without status', (client: WsClient) => client.socket.close()],
    ['a vanished client (no close frame)', (client: WsClient) => client.socket.terminate()],
  ])('removes every item of the connection after %s', async (_name, close) => {
    // Prepare
    const [first, second] = [uniqueTopic(), uniqueTopic()];
    const witness = await witnessOn(first);
    const { client, id } = await connect();
    await client.join(first);
    await client.join(second);
    // The rate counter item (r#) is written every 10th push of a window (limits.pushesPerCounterWrite):
    // 19 pushes hold 10 in one window even if a window boundary falls among them.
    for (let n = 0; n < 19; n += 1) await client.request({ action: 'push', topic: second, event: 'e' });
    expect((await queryPartition(table, `c#${id}`)).map((item) => String(item.sk).slice(0, 2)).sort()).toEqual(['c', 'r#', 's#', 's#']);

    // Act
    await close(client);

    // Assess
    await witness.next(leaveOf(id));
    expect(await queryPartition(table, `c#${id}`)).toEqual([]);
    expect(await queryPartition(table, `t#${second}#0`)).toEqual([]);
    expect(await itemsOfConnection(table, id)).toEqual([]);
  });
});

describe('timeouts', () => {
  it('closes an idle connection with 1001 and runs $disconnect', async () => {
    // Prepare
    const topic = uniqueTopic();
    const witness = await witnessOn(topic, timed);
    const stop = keptAlive(witness);
    const { client: idle, id } = await connect(timed);
    await idle.join(topic);

    // Act: nothing; the idle timer runs from the last client message

    // Assess
    expect(await idle.closed).toEqual({ code: 1001, reason: 'Going away' });
    await witness.next(leaveOf(id));
    stop();
    expect(await itemsOfConnection(timedTable, id)).toEqual([]);
  });

  it('keeps an active connection open past the idle timeout, then closes it at the maximum age', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: active, id } = await connect(timed);
    const openedAt = Date.now();
    await active.join(topic);

    // Act: a client message every third of the idle timeout
    let pongs = 0;
    let witness: WsClient | undefined;
    let stop = () => undefined as void;
    while (active.isOpen) {
      try {
        await active.ping(IDLE_MS);
        pongs += 1;
      } catch {
        break;
      }
      // The witness joins halfway, so that its own maximum age ends well after the active one's.
      if (!witness && Date.now() - openedAt > MAX_MS / 2) {
        witness = await witnessOn(topic, timed);
        stop = keptAlive(witness);
      }
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 3));
    }
    const lifetime = Date.now() - openedAt;

    // Assess: it outlived several idle timeouts, and was closed as over age
    expect(lifetime).toBeGreaterThanOrEqual(MAX_MS);
    expect(pongs).toBeGreaterThan(3);
    expect(await active.closed).toEqual({ code: 1001, reason: 'Going away' });
    await timed.flushPresence();
    await witness!.next(leaveOf(id));
    stop();
  });

  it('counts messages to the client as activity too, as API Gateway does (idle is direction agnostic)', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: listener } = await connect(timed);
    const openedAt = Date.now();
    await listener.join(topic);
    // The pusher comes after, so that its own maximum age ends after the listener's.
    const pusher = await witnessOn(topic, timed);

    // Act: after its join, the listener only receives, a broadcast every quarter of the idle timeout
    let ticks = 0;
    while (listener.isOpen) {
      await pusher.request({ action: 'push', topic, event: 'tick', payload: { n: ticks } });
      ticks += 1;
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 4));
    }
    const lifetime = Date.now() - openedAt;

    // Assess: it lived until the maximum age, not the idle timeout
    expect(await listener.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(lifetime).toBeGreaterThanOrEqual(MAX_MS);
    expect(listener.messages.filter((m: any) => m.event === 'tick').length).toBeGreaterThan(3);
  });
});
