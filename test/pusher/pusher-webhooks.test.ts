/**
 * Pusher webhooks through what `npm start` runs (the template runtime): lifecycle events
 * (table stream, presence function, the stack's bus) go through the template's EventBridge
 * rules to the webhook function and become channel_occupied/vacated and, on presence-
 * channels, member_added/removed counted per user; each POST carries X-Pusher-Key and
 * X-Pusher-Signature that the official `pusher` SDK's `webhook(...).isValid()` accepts. A
 * receiver that fails is retried (the function's asynchronous invoke config: 2 retries),
 * then the invocation record lands in the PusherWebhookFailures queue (its on-failure destination).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Pusher from 'pusher';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectTracked, waitUntil } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const APP = { appId: '77', key: 'hook-key', secret: 'hook-secret-of-the-app' };
const TOKEN_SECRET = 'webhook-test-token-secret-long-enough';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: string;
}

let gateway: RunningGateway;
let receiver: Server;
const received: Received[] = [];
/** What the receiver answers, per channel (200 unless set). */
const statusFor = new Map<string, number>();
const clients: WsClient[] = [];
const pusher = new Pusher({ ...APP, host: '127.0.0.1', useTLS: false });
let counter = 0;
/** The first webhook waits for cold starts: the stream's function, the webhook function. */
const COLD_MS = 30_000;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, rawBody });
      const channel = (JSON.parse(rawBody) as { events: { channel: string }[] }).events[0]?.channel ?? '';
      response.writeHead(statusFor.get(channel) ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  gateway = await startTestGateway({
    config: { presence: { windowMs: 200 } },
    env: {
      TOPICAST_PUSHER_APP_ID: APP.appId,
      TOPICAST_PUSHER_KEY: APP.key,
      TOPICAST_PUSHER_SECRET: APP.secret,
      TOPICAST_PUSHER_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pusher/webhooks`,
      TOPICAST_TOKEN_SECRET: TOKEN_SECRET,
    },
  });
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
  await new Promise((resolve) => receiver?.close(resolve));
});

function channel(prefix: string): string {
  counter += 1;
  return `${prefix}hooks-${process.pid}-${counter}`;
}

async function connect(sub: string): Promise<{ client: WsClient; id: string }> {
  const token = await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(TOKEN_SECRET));
  return connectTracked(gateway, clients, { path: `/?token=${token}` });
}

/** The events of every webhook about `name` received so far, each checked with the SDK. */
function eventsOf(name: string): { name: string; channel: string; user_id?: string }[] {
  return received
    .map((request) => pusher.webhook({ headers: request.headers as Record<string, string>, rawBody: request.rawBody }))
    .filter((webhook) => webhook.getEvents().some((event: { channel: string }) => event.channel === name))
    .flatMap((webhook) => {
      expect(webhook.isValid()).toBe(true);
      return webhook.getEvents() as { name: string; channel: string; user_id?: string }[];
    });
}

/**
 * Waits for the webhooks about `name`, then checks they are exactly `expected`, in any
 * order: each event is its own asynchronous invocation (EventBridge to Lambda), so webhooks
 * of one batch arrive in no set order, on Pusher too.
 */
async function eventually(name: string, expected: unknown[]): Promise<void> {
  await waitUntil(() => eventsOf(name).length >= expected.length, `${expected.length} webhooks about ${name}`, COLD_MS);
  await gateway.flushPresence();
  await gateway.drain();
  const sorted = (events: unknown[]) => events.map((event) => JSON.stringify(event)).sort();
  expect(sorted(eventsOf(name))).toEqual(sorted(expected));
}

interface FailureRecord {
  readonly requestContext: { condition: string; approximateInvokeCount: number };
  readonly requestPayload: { 'detail-type': string; detail: { topic: string } };
  readonly responsePayload: { errorMessage: string };
}

/** The invocation records in the webhooks' dead-letter queue (PusherWebhookFailures), as Lambda's on-failure destination writes them. */
function deadLetters(): FailureRecord[] {
  const failures = gateway.runtime.app.queues.find((queue) => queue.queueName.includes('PusherWebhookFailures'));
  if (!failures) throw new Error(`no PusherWebhookFailures queue among ${gateway.runtime.app.queues.map((queue) => queue.queueName).join(', ')}`);
  return (gateway.runtime.queues.queue(failures.arn)?.peek() ?? []).map((message) => JSON.parse(message.body) as FailureRecord);
}

describe('Pusher webhooks', () => {
  it('signs every webhook so that the pusher SDK accepts it, in Pusher body shape', async () => {
    const name = channel('');
    const { client } = await connect('ann');
    await client.join(name);
    await eventually(name, [{ name: 'channel_occupied', channel: name }]);
    const body = JSON.parse(received.find((request) => request.rawBody.includes(name))!.rawBody) as { time_ms: number; events: unknown[] };
    expect(Math.abs(body.time_ms - Date.now())).toBeLessThan(60_000);
    const request = received.find((entry) => entry.rawBody.includes(name))!;
    expect(request.headers['x-pusher-key']).toBe(APP.key);
    expect(request.headers['content-type']).toBe('application/json');
    const forged = pusher.webhook({ headers: { ...request.headers, 'x-pusher-signature': '0'.repeat(64) } as unknown as Record<string, string>, rawBody: request.rawBody });
    expect(forged.isValid()).toBe(false);
  });

  it('counts members per user on presence channels, and occupies then vacates the channel', async () => {
    const name = channel('presence-');
    const first = await connect('alice');
    const second = await connect('alice');
    const bob = await connect('bob');
    await first.client.join(name);
    await eventually(name, [
      { name: 'channel_occupied', channel: name },
      { name: 'member_added', channel: name, user_id: 'alice' },
    ]);
    await second.client.join(name);
    await bob.client.join(name);
    await waitUntil(() => eventsOf(name).length >= 3, 'bob added', COLD_MS);
    await first.client.request({ action: 'leave', topic: name });
    await bob.client.request({ action: 'leave', topic: name });
    await waitUntil(() => eventsOf(name).length >= 4, 'bob removed', COLD_MS);
    await second.client.request({ action: 'leave', topic: name });

    await eventually(name, [
      { name: 'channel_occupied', channel: name },
      { name: 'member_added', channel: name, user_id: 'alice' },
      { name: 'member_added', channel: name, user_id: 'bob' },
      { name: 'member_removed', channel: name, user_id: 'bob' },
      { name: 'member_removed', channel: name, user_id: 'alice' },
      { name: 'channel_vacated', channel: name },
    ]);
  });

  it('retries a webhook the receiver refuses, then dead-letters it', async () => {
    const name = channel('');
    statusFor.set(name, 503);
    const { client } = await connect('carol');
    await client.join(name);

    await waitUntil(() => deadLetters().some((record) => record.requestPayload.detail.topic === name), 'the webhook is dead-lettered', COLD_MS);

    const attempts = received.filter((request) => request.rawBody.includes(name));
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((request) => request.rawBody)).size).toBe(1);
    const letter = deadLetters().find((record) => record.requestPayload.detail.topic === name)!;
    expect(letter).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: { 'detail-type': 'occupied' } });
    expect(letter.responsePayload.errorMessage).toMatch(/answered 503/);
  });
});
