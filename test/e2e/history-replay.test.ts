/**
 * Catching up after a lost connection, through the local gateway: a Phoenix client (the
 * official `phoenix` package, rejoining by itself with a params function) and a native
 * client lose their sockets while 100 messages are published, and get all 100 back in
 * order, each exactly once, then live ones. Also the history read over HTTP and the CLI.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport, SeqTracker } from '../../client/index.js';
import { main, type CliIo } from '../../cli/main.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

let gateway: RunningGateway;
let httpUrl: string;
const clients: WsClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ config: { history: { 'room:*': { maxMessages: 200, ttlSeconds: 600 } } } });
  httpUrl = `http://127.0.0.1:${gateway.port}`;
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** Publishes n = from..to in batches of 25 (one topic's messages go out in order). */
async function publishRange(topic: string, from: number, to: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let start = from; start <= to; start += 25) {
    const messages = Array.from({ length: Math.min(25, to - start + 1) }, (_, i) => ({ topic, event: 'msg', payload: { n: start + i } }));
    const { status, body } = await post('/publish', { messages });
    expect(status).toBe(200);
    seqs.push(...(body.results as { seq: number }[]).map((r) => r.seq));
  }
  return seqs;
}

interface PhoenixSubscriber {
  readonly socket: Socket;
  /** Every seq received, duplicates included, in arrival order. */
  readonly raw: number[];
  /** Payloads `SeqTracker` let through, in order. */
  readonly delivered: number[];
  readonly replies: Record<string, unknown>[];
  goOffline(): Promise<void>;
  goOnline(): void;
}

/** The pattern of docs/phoenix.md: join params as a function of the tracker, messages filtered by it. */
async function phoenixSubscriber(topic: string): Promise<PhoenixSubscriber> {
  let offline = false;
  const socket = new Socket(`${gateway.url}/prod`, {
    transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket,
    // While "offline" the client waits; goOnline() lets it reconnect, as a returning network would.
    reconnectAfterMs: () => (offline ? 60_000 : 50),
    rejoinAfterMs: () => 50,
  });
  sockets.push(socket);
  socket.connect();
  const seen = new SeqTracker();
  const raw: number[] = [];
  const delivered: number[] = [];
  const replies: Record<string, unknown>[] = [];
  const channel = socket.channel(topic, () => seen.joinParams());
  // The client passes (payload, ref) to `on` callbacks; @types/phoenix declares only the payload.
  const onMsg = (payload: { n: number }, ref: string | null) => {
    raw.push(Number(ref));
    if (seen.accept(ref)) delivered.push(payload.n);
  };
  channel.on('msg', onMsg as (payload?: unknown) => void);
  await new Promise<void>((resolve, reject) => {
    channel
      .join()
      .receive('ok', (response: Record<string, unknown>) => {
        replies.push(response);
        seen.joined(response);
        resolve();
      })
      .receive('error', (reason: unknown) => reject(new Error(JSON.stringify(reason))));
  });
  return {
    socket,
    raw,
    delivered,
    replies,
    async goOffline() {
      offline = true;
      const closed = new Promise<void>((resolve) => socket.onClose(() => resolve()));
      // `conn` is the live transport; terminate() drops it without a close handshake, as a network failure does.
      (socket as unknown as { conn: WebSocket }).conn.terminate();
      await closed;
    },
    goOnline() {
      offline = false;
      // The network is back: the client's own reconnect timer fires now (50 ms) instead of in a minute.
      const timer = (socket as unknown as { reconnectTimer: { reset(): void; scheduleTimeout(): void } }).reconnectTimer;
      timer.reset();
      timer.scheduleTimeout();
    },
  };
}

describe('replay after a lost connection', () => {
  it('a Phoenix client and a native client get all 100 messages published while they were away, in order, exactly once', async () => {
    // Prepare: the topic has history; both join and are up to date
    const topic = uniqueTopic('room');
    const [earlier] = await publishRange(topic, 0, 0);
    const phoenix = await phoenixSubscriber(topic);
    expect(phoenix.replies[0]).toEqual({ replayed: 0, truncated: false, seq: earlier });
    const native = await openClient(gateway.url);
    clients.push(native);
    await native.join(topic);
    const [before] = await publishRange(topic, 1, 1);
    const seenLive = await native.nextEvent('msg');
    expect(seenLive).toEqual({ topic, event: 'msg', payload: { n: 1 }, seq: before });
    await waitUntil(() => phoenix.delivered.length === 1, 'the phoenix client got n 1');

    // Act: both lose their connection, 100 messages go out, both come back
    await phoenix.goOffline();
    native.socket.terminate();
    await native.closed;
    const published = await publishRange(topic, 2, 101);
    phoenix.goOnline();
    const back = await openClient(gateway.url);
    clients.push(back);
    const reply = await back.join(topic, { since: seenLive.seq });

    // Assess: every message once, in order (not even a duplicate frame), and the replies say so
    await waitUntil(() => phoenix.replies.length === 2, 'the phoenix client rejoined', 10_000);
    const expected = Array.from({ length: 100 }, (_, i) => i + 2);
    expect(published).toEqual(expected.map((n) => (earlier as number) + n));
    expect(phoenix.delivered).toEqual([1, ...expected]);
    expect(phoenix.raw).toEqual([before, ...published]);
    expect(phoenix.replies[1]).toEqual({ replayed: 100, truncated: false, seq: published[99] });

    const replayed = back.messages.filter((m: any) => m.event === 'msg');
    expect(replayed.map((m: any) => m.payload.n)).toEqual(expected);
    expect(replayed.map((m: any) => m.seq)).toEqual(published);
    expect(reply.payload.response).toEqual({ replayed: 100, truncated: false, seq: published[99] });
    // Replay comes before the reply: the client knows it has caught up when the reply arrives.
    const replyIndex = back.messages.findIndex((m: any) => m.event === 'phx_reply');
    expect(back.messages.slice(0, replyIndex).filter((m: any) => m.event === 'msg')).toHaveLength(100);

    // And live delivery carries on from there, numbered on
    const [next] = await publishRange(topic, 102, 102);
    expect(await back.nextEvent('msg', (m) => m.payload.n === 102)).toEqual({ topic, event: 'msg', payload: { n: 102 }, seq: next });
    await waitUntil(() => phoenix.delivered.length === 102, 'the phoenix client got n 102');
    expect(phoenix.raw.at(-1)).toBe(next);
  }, 30_000);
});

describe('history read', () => {
  function capture(): CliIo & { stdout: () => string; stderr: () => string } {
    let out = '';
    let err = '';
    return { out: (text) => (out += text), err: (text) => (err += text), env: {}, stdout: () => out, stderr: () => err };
  }

  it('POST /history answers the retained messages after since, oldest first, at most limit', async () => {
    const topic = uniqueTopic('room');
    const seqs = await publishRange(topic, 1, 5);

    const all = await post('/history', { topic });
    const page = await post('/history', { topic, since: seqs[1], limit: 2 });

    expect(all).toEqual({
      status: 200,
      body: { topic, seq: seqs[4], truncated: false, messages: seqs.map((seq, i) => ({ seq, event: 'msg', payload: { n: i + 1 } })) },
    });
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([seqs[2], seqs[3]]);
  });

  it('refuses a topic without history and bad arguments with stable reasons', async () => {
    expect(await post('/history', { topic: 'chat:none' })).toEqual({ status: 400, body: { reason: 'history_off', message: expect.any(String) } });
    expect((await post('/history', { topic: 'room:x', since: -1 })).body.reason).toBe('invalid_request');
    expect((await post('/history', { topic: 'room:x', limit: 0 })).body.reason).toBe('invalid_request');
    expect((await post('/history', { topic: 42 })).body.reason).toBe('invalid_topic');
  });

  it('topicast history prints one JSON line per message and a summary', async () => {
    const topic = uniqueTopic('room');
    const seqs = await publishRange(topic, 1, 3);
    const io = capture();

    const status = await main(['history', '--topic', topic, '--since', String(seqs[0]), '--url', httpUrl], io);

    expect(io.stderr()).toBe('');
    expect(status).toBe(0);
    expect(io.stdout()).toBe(
      `{"seq":${seqs[1]},"event":"msg","payload":{"n":2}}\n{"seq":${seqs[2]},"event":"msg","payload":{"n":3}}\n${topic}: 2 messages, current seq ${seqs[2]}\n`,
    );
    const bad = capture();
    expect(await main(['history', '--topic', topic, '--since', 'x', '--url', httpUrl], bad)).toBe(2);
  });
});
