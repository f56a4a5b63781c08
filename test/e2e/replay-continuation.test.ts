/**
 * A replay too long for one join, through the local gateway with the official `phoenix`
 * client and the code of docs/phoenix.md ("Catching up after a reconnect"): each join's
 * replay stops before its function's deadline, the reply says `more` and `resumeSince`,
 * SeqTracker says to join again, and the client ends with every message once, in order.
 *
 * The join function's timeout is the template's (10 s); a 3 s post timeout and a 1 s margin
 * leave 3 s from the invocation's start to the replay's last post. Each message carries 4 KB,
 * so a replay reads several 1 MB pages of history, and the store answers every page after a
 * replay's first one 3.5 s late (the functions' DynamoDB is a gate in front of dynalite), as a
 * slow page would: each join then replays about one page and stops at its deadline, however
 * fast this machine posts. (A time window alone cannot tell a loaded machine, whose warm join
 * spent 1.3 s before its first post, from an idle one that posts 1000 messages in under 2 s.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport, SeqTracker } from '../../client/index.js';
import { startGatedDynamo, type GatedDynamo } from '../support/gated-dynamo.js';
import { uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';

const PAGE_DELAY_MS = 3500;
let dynamo: GatedDynamo;
let gateway: RunningGateway;
let socket: Socket | undefined;
let laterPages = 0;

beforeAll(async () => {
  dynamo = await startGatedDynamo();
  gateway = await startTestGateway({
    dynamoEndpoint: dynamo.endpoint,
    config: { history: { 'room:*': { maxMessages: 1000, ttlSeconds: 600 } }, fanout: { postTimeoutMs: 3000, deadlineMarginMs: 1000 } },
  });
  dynamo.gate.intercept(async (call, proceed) => {
    const values = call.input.ExpressionAttributeValues as Record<string, unknown> | undefined;
    const historyPage = call.name === 'QueryCommand' && String(values?.[':from'] ?? '').length > 0 && call.input.ExclusiveStartKey !== undefined;
    if (historyPage) {
      laterPages += 1;
      await new Promise((resolve) => setTimeout(resolve, PAGE_DELAY_MS));
    }
    return proceed();
  });
});

afterAll(async () => {
  socket?.disconnect();
  await gateway?.end();
  await dynamo?.stop();
});

async function publishAll(topic: string, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let start = 0; start < count; start += 25) {
    const messages = Array.from({ length: Math.min(25, count - start) }, (_, i) => ({ topic, event: 'msg', payload: { n: start + i, pad: 'x'.repeat(4000) } }));
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
  // A cold start of the function would spend the whole window, and a join that replays nothing makes SeqTracker stop (no progress).
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
  expect(laterPages).toBeGreaterThan(0);
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
