/**
 * A replay too long for one join, through the local gateway with the official `phoenix`
 * client and the code of docs/phoenix.md ("Catching up after a reconnect"): each join's
 * replay stops before its function's deadline, the reply says `more` and `resumeSince`,
 * SeqTracker says to join again, and the client ends with every message once, in order.
 * The join function's timeout is the template's (10 s); a 3.25 s post timeout and a 1.5 s
 * margin leave 2 s from the invocation's start to the replay's last post (deadline - margin
 * - 2 post timeouts). A warm join spent up to 1.3 s before its first post on a loaded 2-core
 * machine, and each post through the local Management API (signed, authorized by the role's
 * policy, written to the socket) took about 3 ms: 1000 posts do not fit one join. The
 * function is warmed by a join first: a cold start would spend the whole window, and a join
 * that replays nothing makes SeqTracker stop (no progress), as it should.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport, SeqTracker } from '../../client/index.js';
import { uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';

let gateway: RunningGateway;
let socket: Socket | undefined;

beforeAll(async () => {
  gateway = await startTestGateway({
    config: { history: { 'room:*': { maxMessages: 1000, ttlSeconds: 600 } }, fanout: { postTimeoutMs: 3250, deadlineMarginMs: 1500 } },
  });
});

afterAll(async () => {
  socket?.disconnect();
  await gateway?.end();
});

async function publishAll(topic: string, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let start = 0; start < count; start += 25) {
    const messages = Array.from({ length: Math.min(25, count - start) }, (_, i) => ({ topic, event: 'msg', payload: { n: start + i, pad: 'x'.repeat(500) } }));
    const response = await fetch(`http://127.0.0.1:${gateway.port}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
    expect(response.status).toBe(200);
    seqs.push(...((await response.json()) as { results: { seq: number }[] }).results.map((r) => r.seq));
  }
  return seqs;
}

it('a Phoenix client catches up on 1000 messages over several joins, each answered in time, every message once and in order', async () => {
  const topic = uniqueTopic('room');
  const [first] = await publishAll(topic, 1);
  const published = await publishAll(topic, 1000);
  socket = new Socket(`${gateway.url}/prod`, { transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket });
  socket.connect();
  await new Promise((resolve) => (socket as Socket).channel('warm:up').join(30_000).receive('ok', resolve));
  // The client saw the first message before (kept in storage across a page load).
  const seen = new SeqTracker({ since: first as number });
  const delivered: number[] = [];
  const replies: Record<string, unknown>[] = [];
  const channels: Channel[] = [];

  // As docs/phoenix.md: join, and on `more` leave and join a new channel for the rest.
  const joinRoom = () => {
    const channel = (socket as Socket).channel(topic, () => seen.joinParams());
    channels.push(channel);
    channel.on('msg', ((payload: { n: number }, ref: string | null) => {
      if (seen.accept(ref)) delivered.push(payload.n);
    }) as (payload?: unknown) => void);
    channel.join().receive('ok', (response: Record<string, unknown>) => {
      replies.push(response);
      if (seen.joined(response)) channel.leave().receive('ok', joinRoom);
    });
  };
  joinRoom();

  await waitUntil(() => replies.length > 0 && replies.at(-1)?.more === undefined, 'the last join reply without more', 60_000);
  console.log(`[continuation] ${replies.length} joins replayed ${replies.map((reply) => reply.replayed).join(' + ')}`);
  expect(replies.length).toBeGreaterThan(1);
  for (const reply of replies.slice(0, -1)) expect(reply).toMatchObject({ truncated: false, more: true, resumeSince: expect.any(Number) });
  const resumes = replies.slice(0, -1).map((reply) => reply.resumeSince as number);
  expect(resumes).toEqual([...resumes].sort((a, b) => a - b));
  expect(replies.reduce((sum, reply) => sum + (reply.replayed as number), 0)).toBe(1000);
  expect(delivered).toEqual(Array.from({ length: 1000 }, (_, n) => n));
  expect(seen.since).toBe(published.at(-1));
  expect(channels.at(-1)?.state).toBe('joined');

  // Live delivery carries on, once.
  const [next] = await publishAll(topic, 1);
  await waitUntil(() => delivered.length === 1001, 'the live message');
  expect(seen.since).toBe(next);
});
