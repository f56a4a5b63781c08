/**
 * Delivery under size limits, deadlines and failures after delivery, through the real
 * handlers and a real table: every frame fits 128 KB, an oversized broadcast is refused
 * before anything is sent, inline fan-out stops short of the Lambda deadline and hands the
 * rest to workers, and what fails after the broadcast was accepted is logged and counted
 * instead of becoming `internal_error`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Presence, type Channel } from 'phoenix';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../lambdas/adapters/dynamodb/history-store.js';
import { SignedHttpMessageSender } from '../../lambdas/adapters/management-api/signed-http-sender.js';
import { cachedCredentials } from '../../lambdas/adapters/management-api/credentials.js';
import { assembleMessaging, type MessagingDependencies } from '../../lambdas/composition/dependencies.js';
import { systemClock } from '../../lambdas/composition/system.js';
import { API_GATEWAY_LIMITS } from '../../lambdas/core/api-gateway-limits.js';
import type { DispatchResult, FanoutBatch, FanoutDispatcher, RealtimeStore } from '../../lambdas/core/ports.js';
import type { LambdaContextLike } from '../../lambdas/handlers/api-gateway-event.js';
import { createPushHandler } from '../../lambdas/handlers/push.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { messageEvent } from '../support/gateway-events.js';
import { errorReplyFor, okReplyFor } from '../support/messages.js';
import { connectionId, createHarness, responseMessages, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let table: TestTable;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const unique = (prefix: string) => `${prefix}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function joined(h: Harness, topic: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = connectionId(`m${i}`);
    expect((await h.connect(id)).statusCode).toBe(200);
    expect((await h.send(id, { action: 'join', topic })).statusCode).toBe(200);
    ids.push(id);
  }
  return ids;
}

/**
 * `count` members with presence, written as a join writes them but without each join's
 * fan-out to everyone already there (which would make seeding quadratic).
 */
async function seededMembers(h: Harness, topic: string, count: number, meta: (i: number) => Record<string, unknown>): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => connectionId(`s${i}`));
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  for (let start = 0; start < count; start += 10) {
    await Promise.all(
      ids.slice(start, start + 10).map(async (id, offset) => {
        expect((await h.connect(id)).statusCode).toBe(200);
        const i = start + offset;
        await h.deps.store.putSubscription({ topic, connectionId: id, endpoint: h.endpoint, format: 'native', joinRef: null, presenceKey: id, meta: { ...meta(i), phx_ref: `seed${i}` }, expiresAt }, 1);
      }),
    );
  }
  return ids;
}

/** A Lambda context with `ms` left from now. */
function contextWith(ms: number): LambdaContextLike {
  const deadline = Date.now() + ms;
  return { awsRequestId: 'test-request', functionName: 'push', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A Management API on 127.0.0.1 that reads every post and never answers. */
async function silentManagementApi(): Promise<{ endpoint: string; posts: () => number }> {
  let posts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request) => {
    request.resume();
    request.on('end', () => (posts += 1));
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`, posts: () => posts };
}

/** A dispatcher that records batches and refuses the ones `refuse` picks (by index within one dispatch). */
function recordingDispatcher(refuse: (index: number) => boolean = () => false): FanoutDispatcher & { readonly batches: FanoutBatch[] } {
  const batches: FanoutBatch[] = [];
  return {
    batches,
    async dispatch(given): Promise<DispatchResult> {
      const failed = given.flatMap((batch, index) => (refuse(index) ? [{ batch, error: 'TooManyRequestsException: Rate exceeded' }] : []));
      batches.push(...given.filter((batch) => !failed.some((f) => f.batch === batch)));
      return { dispatched: given.length - failed.length, failed };
    },
  };
}

/** The harness's dependencies with some parts replaced (a real sender, a dispatcher, a store). */
function rewired(h: Harness, parts: Partial<Pick<MessagingDependencies, 'sender' | 'store'>> & { dispatcher?: FanoutDispatcher }): MessagingDependencies {
  return assembleMessaging({
    ...h.deps,
    kv: new DynamoChannelKv(table.documentClient, table.tableName, systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, systemClock),
    ...parts,
  });
}

const harness = (options: HarnessOptions = {}) => createHarness(table, options);

describe('every frame fits 128 KB', () => {
  it('sends a late joiner of a 150-member topic with 1 KB metas its presence in frames of at most 128 KB, which phoenix syncs', async () => {
    // Prepare: 150 members, each with a 1 KB meta (the default maxMetaBytes)
    const h = harness();
    const topic = unique('room');
    await seededMembers(h, topic, 150, (i) => ({ name: `member-${i}`, bio: 'b'.repeat(1024 - 40) }));
    const late = connectionId('late');
    await h.connect(late);

    // Act: a Phoenix V2 joiner
    const response = await h.send(late, ['9', '9', topic, 'phx_join', { meta: { name: 'late' } }]);

    // Assess: the reply, a presence_state, then presence_diff joins; each post within the limit
    expect(response).toEqual({ statusCode: 200 });
    const frames = h.sender.framesFor(late);
    const messages = frames.map((frame) => JSON.parse(frame) as [string, string | null, string, string, unknown]);
    expect(messages.map((m) => m[3])).toEqual(['phx_reply', 'presence_state', ...Array(frames.length - 2).fill('presence_diff')]);
    expect(frames.length).toBeGreaterThan(2);
    for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
    for (const attempt of h.sender.attempts) expect(Buffer.byteLength(attempt.data)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);

    // Assess: the real phoenix Presence ends up with every member
    const handlers = new Map<string, (payload: unknown) => void>();
    const presence = new Presence({ on: (event: string, callback: (payload: unknown) => void) => handlers.set(event, callback), joinRef: () => '9' } as unknown as Channel);
    for (const [, , , event, payload] of messages.slice(1)) handlers.get(event)?.(payload);
    expect(presence.list()).toHaveLength(151);
  });

  it('splits the presence_diff announcing many leaves, and every member hears every leave', async () => {
    // Prepare: 5 members stay, 140 with 1 KB metas are gone
    const h = harness();
    const topic = unique('room');
    const stay = await joined(h, topic, 5);
    const gone = await seededMembers(h, topic, 140, (i) => ({ bio: 'g'.repeat(1000), i }));
    h.sender.markGone(...gone);
    h.sender.clear();

    // Act: a push finds them gone, reaps them and announces the leaves
    const response = await h.send(stay[0] as string, { action: 'push', topic, event: 'shout', ref: '1' });

    // Assess
    expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
    const diffs = h.sender.messagesFor(stay[1] as string).filter((m) => (m as { event: string }).event === 'presence_diff') as { payload: { leaves: object } }[];
    expect(diffs.length).toBeGreaterThan(1);
    expect(new Set(diffs.flatMap((diff) => Object.keys(diff.payload.leaves))).size).toBe(140);
    for (const attempt of h.sender.attempts) expect(Buffer.byteLength(attempt.data)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
  });

  it('refuses a broadcast whose frame would exceed 128 KB with payload_too_large, before sending anything', async () => {
    // Prepare: a push payload is capped below 128 KB by config; a server-side broadcast is not
    const h = harness();
    const topic = unique('room');
    await joined(h, topic, 3);
    h.sender.clear();
    const message = (bytes: number) => ({ topic, event: 'big', payload: { blob: 'x'.repeat(bytes) }, ref: null, joinRef: null });

    // Act
    const refused = h.deps.broadcaster.broadcast(topic, message(API_GATEWAY_LIMITS.messageBytes - 20));
    await expect(refused).rejects.toMatchObject({ name: 'ProtocolError', reason: 'payload_too_large' });
    const attemptsAfterRefusal = h.sender.attempts.length;
    const fits = await h.deps.broadcaster.broadcast(topic, message(API_GATEWAY_LIMITS.messageBytes - 200));

    // Assess
    expect(attemptsAfterRefusal).toBe(0);
    expect(fits).toMatchObject({ subscribers: 3, delivered: 3 });
  });

  it('delivers the largest push the payload limit allows in one frame to every wire format', async () => {
    // Prepare
    const h = harness();
    const topic = unique('room');
    const [alice] = await joined(h, topic, 2);
    h.sender.clear();

    // Act
    const response = await h.send(alice as string, { action: 'push', topic, event: 'big', payload: { blob: 'y'.repeat(h.config.limits.maxPayloadBytes - 20) }, ref: '1' });

    // Assess
    expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
    expect(h.sender.attempts).toHaveLength(2);
    for (const attempt of h.sender.attempts) expect(Buffer.byteLength(attempt.data)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
  });
});

describe('inline fan-out within the function deadline', () => {
  it('hands what it cannot post before the deadline to workers, and answers the pusher in time', async () => {
    // Prepare: 120 subscribers behind a Management API that never answers
    const api = await silentManagementApi();
    const fanout = { concurrency: 8, postTimeoutMs: 300, deadlineMarginMs: 700, workerThreshold: 1000, workerBatchSize: 50 };
    const h = harness({ endpoint: api.endpoint, config: { fanout, presenceDisabled: ['hang:*'] } });
    const topic = unique('hang');
    const [pusher] = await joined(h, topic, 120);
    const sender = new SignedHttpMessageSender({ credentials: cachedCredentials(async () => ({ accessKeyId: 'a', secretAccessKey: 'b' })), region: 'us-east-1', timeoutMs: fanout.postTimeoutMs, maxAttempts: 4, maxSockets: 8 });
    cleanups.push(() => sender.destroy());
    const dispatcher = recordingDispatcher();
    const push = createPushHandler(() => rewired(h, { sender, dispatcher }));
    const remainingMs = 2500;

    // Act
    const started = Date.now();
    const response = await push(messageEvent(pusher as string, JSON.stringify({ action: 'push', topic, event: 'e', ref: '1', self: false })), contextWith(remainingMs));
    const elapsed = Date.now() - started;

    // Assess: answered ok before the function would have been stopped
    expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
    expect(elapsed).toBeLessThan(remainingMs);
    // Assess: every recipient was either tried inline (and logged as failed) or handed over, none twice
    const handed = dispatcher.batches.flatMap((batch) => batch.subscribers.map((s) => s.connectionId));
    const failed = h.logger.entries.filter((entry) => entry.message === 'post failed');
    expect(handed.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set([...handed, ...failed.map((entry) => entry.fields.connectionId)]).size).toBe(119);
    expect(handed.length + failed.length).toBe(119);
    expect(api.posts()).toBe(failed.length);
    expect(failed[0]?.fields).toMatchObject({ topic, status: null, reason: expect.stringMatching(/^timeout/) });
  });

  it('without workers, logs and counts what the deadline left undelivered', async () => {
    // Prepare
    const api = await silentManagementApi();
    const fanout = { concurrency: 4, postTimeoutMs: 300, deadlineMarginMs: 500 };
    const h = harness({ endpoint: api.endpoint, config: { fanout, presenceDisabled: ['hang:*'] } });
    const topic = unique('hang');
    await joined(h, topic, 40);
    const sender = new SignedHttpMessageSender({ credentials: cachedCredentials(async () => ({ accessKeyId: 'a', secretAccessKey: 'b' })), region: 'us-east-1', timeoutMs: fanout.postTimeoutMs, maxAttempts: 4, maxSockets: 4 });
    cleanups.push(() => sender.destroy());
    const deps = rewired(h, { sender });

    // Act
    const report = await deps.broadcaster.broadcast(topic, { topic, event: 'e', payload: {}, ref: null, joinRef: null }, { deadlineMs: Date.now() + 1500 });

    // Assess
    expect(report.dropped).toBeGreaterThan(0);
    expect(report.failed + report.dropped).toBe(40);
    expect(h.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'deliveries dropped', fields: expect.objectContaining({ topic, count: report.dropped }) }));
  });
});

describe('failures after delivery are not internal_error', () => {
  it('answers ok when reaping the gone connections fails after the message went out, and logs it', async () => {
    // Prepare: a store whose batched removal fails
    const h = harness();
    const topic = unique('room');
    const [alice, bob, gone] = await joined(h, topic, 3);
    h.sender.markGone(gone as string);
    const store: RealtimeStore = Object.assign(Object.create(h.deps.store) as RealtimeStore, {
      removeConnections: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
    });
    const push = createPushHandler(() => rewired(h, { store }));
    h.sender.clear();

    // Act
    const response = await push(messageEvent(alice as string, JSON.stringify({ action: 'push', topic, event: 'e', ref: '1' })));

    // Assess
    expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
    expect(h.sender.framesFor(bob as string)).toHaveLength(1);
    expect(h.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'reaping gone connections failed', fields: expect.objectContaining({ connections: 1 }) }));
  });

  it('answers ok when one of several worker invokes fails, logging and counting the batch it lost', async () => {
    // Prepare: 30 subscribers in batches of 10; the second invoke is refused
    const h = harness({ config: { fanout: { workerThreshold: 5, workerBatchSize: 10 }, presenceDisabled: ['big:*'] } });
    const topic = unique('big');
    const [pusher] = await joined(h, topic, 30);
    const dispatcher = recordingDispatcher((index) => index === 1);
    const deps = rewired(h, { dispatcher });

    // Act
    const response = await createPushHandler(() => deps)(messageEvent(pusher as string, JSON.stringify({ action: 'push', topic, event: 'e', ref: '1' })));
    const report = await deps.broadcaster.broadcast(topic, { topic, event: 'e', payload: {}, ref: null, joinRef: null });

    // Assess
    expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
    expect(report).toMatchObject({ subscribers: 30, dispatchedBatches: 2, dispatched: 20, dropped: 10 });
    expect(h.logger.entries.filter((entry) => entry.message === 'fan-out batch could not be handed to a worker')).toHaveLength(2);
  });

  it('answers internal_error when no batch could be handed over: nothing was delivered, so a retry cannot duplicate', async () => {
    // Prepare
    const h = harness({ config: { fanout: { workerThreshold: 5, workerBatchSize: 10 }, presenceDisabled: ['big:*'] } });
    const topic = unique('big');
    const [pusher] = await joined(h, topic, 12);
    const push = createPushHandler(() => rewired(h, { dispatcher: recordingDispatcher(() => true) }));

    // Act
    const response = await push(messageEvent(pusher as string, JSON.stringify({ action: 'push', topic, event: 'e', ref: '1' })));

    // Assess
    expect(responseMessages(response)).toEqual([errorReplyFor(topic, '1', 'internal_error')]);
  });
});
