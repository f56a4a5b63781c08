/**
 * The hot-path Management API sender against real local HTTP servers: signing (checked
 * by an independent SigV4 verifier that also accepts the AWS SDK's own requests), status
 * mapping, 429 retries, timeouts, keep-alive reuse and id encoding.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it, expect, afterEach } from 'vitest';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SdkMessageSender } from '../../lambdas/adapters/management-api/sdk-message-sender.js';
import { cachedCredentials, type SigningCredentials } from '../../lambdas/adapters/management-api/credentials.js';
import { LeanHttpTransport } from '../../lambdas/adapters/management-api/post-transport.js';
import { NodeHttpTransport } from '../../bench/reference/node-http-transport.js';
import { SignedHttpMessageSender, type SignedHttpSenderOptions } from '../../lambdas/adapters/management-api/signed-http-sender.js';
import { DEFAULT_FANOUT } from '../../lambdas/core/config.js';
import type { Delivery, DeliveryOutcome, MessageSender, Subscriber } from '../../lambdas/core/ports.js';
import { deliverToSubscribers } from '../../lambdas/core/use-cases/deliver.js';
import { verifySigV4 } from '../support/sigv4-verifier.js';

// The SDK's Node 22 notice says nothing about what is tested here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CREDENTIALS: SigningCredentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test/secret+key', sessionToken: 'session-token==' };

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly socket: Socket;
}

interface TestServer {
  readonly endpoint: string;
  readonly received: Received[];
  /** Sockets the server accepted. */
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

type Reply = (request: Received, response: ServerResponse, index: number) => void;

const servers: TestServer[] = [];
const senders: { destroy(): void }[] = [];

afterEach(async () => {
  for (const sender of senders.splice(0)) sender.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(reply: Reply = (_request, response) => response.writeHead(200).end(), tls?: { key: string; cert: string }, port = 0): Promise<TestServer> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), socket: request.socket };
      received.push(entry);
      reply(entry, response, received.length - 1);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const testServer: TestServer = {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/prod`,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

function tunedSender(overrides: Partial<SignedHttpSenderOptions> = {}): SignedHttpMessageSender {
  const sender = new SignedHttpMessageSender({
    credentials: cachedCredentials(async () => CREDENTIALS),
    region: 'eu-west-1',
    timeoutMs: 2000,
    maxAttempts: 4,
    sleep: async () => undefined,
    ...overrides,
  });
  senders.push(sender);
  return sender;
}

const TRICKY_ID = 'a=b+c/d==';

async function outcomeOf(sender: MessageSender, delivery: Delivery): Promise<DeliveryOutcome> {
  return (await sender.send(delivery)).outcome;
}

describe('signed Management API sender', () => {
  it('signs each post with SigV4 for execute-api in the configured region, as the AWS SDK does', async () => {
    // Prepare
    const server = await startServer();
    const sdk = new SdkMessageSender(
      (endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
      2000,
    );

    // Act
    const ours = await outcomeOf(tunedSender(), { endpoint: server.endpoint, connectionId: TRICKY_ID, data: '{"n":1}' });
    const theirs = await outcomeOf(sdk, { endpoint: server.endpoint, connectionId: TRICKY_ID, data: '{"n":1}' });

    // Assess: the verifier accepts the SDK's request, so it checks what AWS checks; it accepts ours too
    expect([ours, theirs]).toEqual(['delivered', 'delivered']);
    const [mine, sdkRequest] = server.received as [Received, Received];
    expect(verifySigV4(sdkRequest, CREDENTIALS.secretAccessKey).valid).toBe(true);
    const check = verifySigV4(mine, CREDENTIALS.secretAccessKey);
    expect(check).toMatchObject({ valid: true, region: 'eu-west-1', service: 'execute-api' });
    expect(check.signedHeaders).toEqual(['host', 'x-amz-date', 'x-amz-security-token']);
    expect(mine.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(mine.method).toBe('POST');
    expect(mine.url).toBe(sdkRequest.url);
    expect(mine.body).toBe('{"n":1}');
  });

  it('rejects a request whose body was changed after signing (the verifier is not a rubber stamp)', async () => {
    // Prepare
    const server = await startServer();
    await outcomeOf(tunedSender(), { endpoint: server.endpoint, connectionId: 'abc=', data: 'original' });

    // Act
    const tampered = { ...(server.received[0] as Received), body: 'tampered' };

    // Assess
    expect(verifySigV4(tampered, CREDENTIALS.secretAccessKey).valid).toBe(false);
    expect(verifySigV4(server.received[0] as Received, 'wrong-secret').valid).toBe(false);
  });

  it('URL-encodes connection ids with =, + and / into one path segment', async () => {
    // Prepare
    const server = await startServer();

    // Act
    await outcomeOf(tunedSender(), { endpoint: server.endpoint, connectionId: TRICKY_ID, data: 'x' });

    // Assess
    const { url } = server.received[0] as Received;
    expect(url).toBe('/prod/@connections/a%3Db%2Bc%2Fd%3D%3D');
    expect(decodeURIComponent(url.split('/').pop() as string)).toBe(TRICKY_ID);
  });

  it('sends UTF-8 bodies with the right content length', async () => {
    // Prepare
    const server = await startServer();
    const data = JSON.stringify({ text: 'héllo wörld ✓ 🚀' });

    // Act
    const outcome = await outcomeOf(tunedSender(), { endpoint: server.endpoint, connectionId: 'id1', data });

    // Assess
    expect(outcome).toBe('delivered');
    expect((server.received[0] as Received).body).toBe(data);
    expect((server.received[0] as Received).headers['content-length']).toBe(String(Buffer.byteLength(data)));
    expect(verifySigV4(server.received[0] as Received, CREDENTIALS.secretAccessKey).valid).toBe(true);
  });

  it('answers gone on 410 and failed on errors that are not transient, without retrying them', async () => {
    // Prepare
    const server = await startServer((request, response) => {
      const status = request.url.endsWith('/gone') ? 410 : request.url.endsWith('/forbidden') ? 403 : 400;
      response.writeHead(status, { 'x-amzn-errortype': status === 410 ? 'GoneException' : 'BadRequestException' }).end('{"message":null}');
    });
    const sender = tunedSender();

    // Act
    const outcomes = await Promise.all(['gone', 'forbidden', 'broken'].map((id) => outcomeOf(sender, { endpoint: server.endpoint, connectionId: id, data: 'x' })));

    // Assess
    expect(outcomes).toEqual(['gone', 'failed', 'failed']);
    expect(server.received).toHaveLength(3);
  });

  it('retries a 429 with growing, jittered backoff, then delivers', async () => {
    // Prepare
    const server = await startServer((_request, response, index) => {
      if (index < 2) response.writeHead(429, { 'x-amzn-errortype': 'LimitExceededException' }).end('{"message":"Rate exceeded"}');
      else response.writeHead(200).end();
    });
    const waits: number[] = [];
    const sender = tunedSender({ baseBackoffMs: 100, maxBackoffMs: 2000, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });

    // Act
    const outcome = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'busy', data: 'x' });

    // Assess
    expect(outcome).toBe('delivered');
    expect(server.received).toHaveLength(3);
    expect(waits).toEqual([50, 100]);
    // Every attempt is signed afresh.
    for (const request of server.received) expect(verifySigV4(request, CREDENTIALS.secretAccessKey).valid).toBe(true);
  });

  it('gives up after maxAttempts throttled attempts', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.writeHead(429, { 'x-amzn-errortype': 'LimitExceededException' }).end());
    const waits: number[] = [];
    const sender = tunedSender({ maxAttempts: 4, baseBackoffMs: 100, maxBackoffMs: 300, random: () => 1, sleep: async (ms) => void waits.push(ms) });

    // Act
    const outcome = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'busy', data: 'x' });

    // Assess: capped exponential backoff between the four attempts
    expect(outcome).toBe('failed');
    expect(server.received).toHaveLength(4);
    expect(waits).toEqual([100, 200, 300]);
  });

  it('fails a post the server never answers once the timeout passes, and keeps working', async () => {
    // Prepare
    const server = await startServer((request, response) => {
      if (request.url.endsWith('/hang')) return; // never answers
      response.writeHead(200).end();
    });
    const sender = tunedSender({ timeoutMs: 150 });

    // Act
    const started = Date.now();
    const hung = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'hang', data: 'x' });
    const elapsed = Date.now() - started;
    const next = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'fine', data: 'x' });

    // Assess
    expect(hung).toBe('failed');
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(next).toBe('delivered');
  });

  it('reuses one socket for many sequential posts', async () => {
    // Prepare
    const server = await startServer();
    const sender = tunedSender();

    // Act
    for (let i = 0; i < 50; i += 1) expect(await outcomeOf(sender, { endpoint: server.endpoint, connectionId: `c${i}`, data: 'x' })).toBe('delivered');

    // Assess
    expect(server.received).toHaveLength(50);
    expect(server.sockets.size).toBe(1);
    expect(new Set(server.received.map((r) => r.socket)).size).toBe(1);
  });

  it('keeps at most maxSockets connections under a concurrent fan-out, and reuses them', async () => {
    // Prepare
    const server = await startServer();
    const sender = tunedSender({ maxSockets: 8 });
    const subscribers: Subscriber[] = Array.from({ length: 400 }, (_, i) => ({ connectionId: `c${i}=`, endpoint: server.endpoint, format: 'native', joinRef: null }));

    // Act
    const report = await deliverToSubscribers(sender, { ...DEFAULT_FANOUT, concurrency: 32 }, subscribers, { topic: 'room:x', event: 'e', payload: {}, ref: null, joinRef: null });

    // Assess
    expect(report).toEqual({ delivered: 400, failed: 0, retried: 0, gone: [], unsent: [] });
    expect(server.sockets.size).toBeLessThanOrEqual(8);
  });

  it('never resends a post whose socket died after the request was written (it may have been delivered)', async () => {
    // Prepare: the server reads the second request on a socket, then drops the connection
    const perSocket = new Map<Socket, number>();
    const server = await startServer((request, response) => {
      const count = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, count);
      if (count === 2) request.socket.destroy();
      else response.writeHead(200).end();
    });
    const sender = tunedSender();

    // Act
    const first = await sender.send({ endpoint: server.endpoint, connectionId: 'one', data: 'x' });
    const second = await sender.send({ endpoint: server.endpoint, connectionId: 'two', data: 'x' });
    const third = await sender.send({ endpoint: server.endpoint, connectionId: 'three', data: 'x' });

    // Assess: 'two' reached the server once and is reported failed, not sent again
    expect([first.outcome, second.outcome, third.outcome]).toEqual(['delivered', 'failed', 'delivered']);
    expect(second).toMatchObject({ status: null, retries: 0 });
    expect(server.received.map((r) => r.url.split('/').pop())).toEqual(['one', 'two', 'three']);
  });

  it('puts no request on a keep-alive socket the server closed while idle: a new socket carries it, once', async () => {
    // Prepare: the server closes the idle keep-alive socket after the first post
    const server = await startServer();
    const sender = tunedSender();
    expect(await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'before', data: 'x' })).toBe('delivered');
    for (const socket of server.sockets) socket.end();
    const pool = (sender.transport as LeanHttpTransport).pool;
    while (pool.openSockets > 0) await new Promise((resolve) => setTimeout(resolve, 10));

    // Act
    const after = await sender.send({ endpoint: server.endpoint, connectionId: 'after', data: 'x' });

    // Assess
    expect(after).toMatchObject({ outcome: 'delivered', retries: 0 });
    expect(server.received.map((r) => r.url.split('/').pop())).toEqual(['before', 'after']);
    expect(server.sockets.size).toBe(2);
  });

  it('retries a connection that was refused (nothing was written) once the server is up', async () => {
    // Prepare: a free port with nothing listening; the server starts there during the backoff
    const probe = await startServer();
    const port = Number(new URL(probe.endpoint).port);
    await probe.close();
    servers.length = 0;
    let started: TestServer | undefined;
    const sender = tunedSender({
      sleep: async () => {
        if (started) return;
        started = await startServer(undefined, undefined, port);
      },
    });

    // Act
    const result = await sender.send({ endpoint: `http://127.0.0.1:${port}/prod`, connectionId: 'late', data: 'x' });

    // Assess
    expect(result).toMatchObject({ outcome: 'delivered', retries: 1 });
    expect(started?.received).toHaveLength(1);
  });

  it('reads chunked and connection-close responses', async () => {
    // Prepare
    const server = await startServer((request, response) => {
      if (request.url.endsWith('/chunked')) {
        response.writeHead(410, { 'transfer-encoding': 'chunked', 'x-amzn-errortype': 'GoneException' });
        response.write('{"message"');
        response.end(':null}');
      } else {
        response.writeHead(200, { connection: 'close' }).end('{}');
      }
    });
    const sender = tunedSender();

    // Act
    const outcomes = [];
    for (const id of ['chunked', 'closing', 'chunked', 'closing']) outcomes.push(await outcomeOf(sender, { endpoint: server.endpoint, connectionId: id, data: 'x' }));

    // Assess
    expect(outcomes).toEqual(['gone', 'delivered', 'gone', 'delivered']);
  });

  it('works the same over the node:http transport', async () => {
    // Prepare
    const server = await startServer((request, response, index) => {
      if (request.url.endsWith('/gone')) response.writeHead(410).end();
      else if (index === 1) response.writeHead(429).end();
      else response.writeHead(200).end();
    });
    const sender = tunedSender({ transport: new NodeHttpTransport({ maxSockets: 4 }) });

    // Act
    const delivered = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: TRICKY_ID, data: 'x' });
    const retried = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'again', data: 'x' });
    const gone = await outcomeOf(sender, { endpoint: server.endpoint, connectionId: 'gone', data: 'x' });

    // Assess
    expect([delivered, retried, gone]).toEqual(['delivered', 'delivered', 'gone']);
    expect(verifySigV4(server.received[0] as Received, CREDENTIALS.secretAccessKey).valid).toBe(true);
    expect(server.sockets.size).toBe(1);
  });

  it('posts over TLS, verifies the certificate, and keeps one TLS connection', async () => {
    // Prepare: a self-signed certificate for 127.0.0.1
    const dir = mkdtempSync(join(tmpdir(), 'topicast-tls-'));
    let tls: { key: string; cert: string };
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const server = await startServer(undefined, tls);
    const trusting = tunedSender({ transport: new LeanHttpTransport({ maxSockets: 4, ca: tls.cert }) });
    const untrusting = tunedSender();

    // Act
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await outcomeOf(trusting, { endpoint: server.endpoint, connectionId: `c${i}=`, data: 'x' }));
    const refused = await outcomeOf(untrusting, { endpoint: server.endpoint, connectionId: 'c', data: 'x' });

    // Assess
    expect(outcomes).toEqual(Array(5).fill('delivered'));
    expect(refused).toBe('failed');
    expect(server.received).toHaveLength(5);
    expect(server.sockets.size).toBe(1);
    expect(verifySigV4(server.received[0] as Received, CREDENTIALS.secretAccessKey).valid).toBe(true);
  });

  it('gives up on a host that refuses every connection after maxAttempts, as failed', async () => {
    // Prepare
    const server = await startServer();
    const endpoint = server.endpoint;
    await server.close();
    servers.length = 0;

    // Act
    const result = await tunedSender({ maxAttempts: 3 }).send({ endpoint, connectionId: 'x', data: 'x' });

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', status: null, retries: 2 });
    expect(result.reason).toMatch(/unsent: .*after 3 attempts/);
  });
});

/** A stable pseudo-random choice per (connection, attempt): the same faults whatever the arrival order. */
function faultFor(connectionId: string, attempt: number, percent: number): boolean {
  return createHash('sha256').update(`${connectionId}#${attempt}`).digest().readUInt32BE(0) % 100 < percent;
}

function subscribersOf(endpoint: string, count: number): Subscriber[] {
  return Array.from({ length: count }, (_, i) => ({ connectionId: `c${i}=`, endpoint, format: 'native', joinRef: null }));
}

const TICK = { topic: 'room:faults', event: 'tick', payload: { n: 1 }, ref: null, joinRef: null };

describe('delivery under faults: at most once, nothing lost that could be retried', () => {
  it('sends nothing twice when 10% of posts are reset after the server read them', async () => {
    // Prepare: the server reads each request, then resets the socket for a stable 10% of them
    const seen = new Map<string, number>();
    const server = await startServer((request, response) => {
      const id = decodeURIComponent(request.url.split('/').pop() as string);
      const attempt = (seen.get(id) ?? 0) + 1;
      seen.set(id, attempt);
      if (faultFor(id, attempt, 10)) request.socket.resetAndDestroy();
      else response.writeHead(200).end();
    });
    const sender = tunedSender({ maxSockets: 32 });
    const subscribers = subscribersOf(server.endpoint, 4000);

    // Act
    const report = await deliverToSubscribers(sender, { ...DEFAULT_FANOUT, concurrency: 32 }, subscribers, TICK);

    // Assess: every post reached the server exactly once; the reset ones are failed, not resent
    const resets = [...seen.keys()].filter((id) => faultFor(id, 1, 10)).length;
    expect(seen.size).toBe(4000);
    expect(Math.max(...seen.values())).toBe(1);
    expect(server.received).toHaveLength(4000);
    expect(resets).toBeGreaterThan(300);
    expect(report).toMatchObject({ delivered: 4000 - resets, failed: resets, retried: 0, unsent: [] });
  });

  it('loses nothing when 10% of posts are answered 502 or 503, retrying only those', async () => {
    // Prepare
    const attempts = new Map<string, number>();
    const deliveredTo = new Map<string, number>();
    const server = await startServer((request, response) => {
      const id = decodeURIComponent(request.url.split('/').pop() as string);
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (faultFor(id, attempt, 10)) {
        response.writeHead(attempt % 2 === 0 ? 503 : 502, { 'x-amzn-errortype': 'InternalServerErrorException' }).end('{"message":null}');
        return;
      }
      deliveredTo.set(id, (deliveredTo.get(id) ?? 0) + 1);
      response.writeHead(200).end();
    });
    const sender = tunedSender({ maxSockets: 32, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 20)) });
    const subscribers = subscribersOf(server.endpoint, 4000);

    // Act
    const report = await deliverToSubscribers(sender, { ...DEFAULT_FANOUT, concurrency: 32 }, subscribers, TICK);

    // Assess: all 4000 delivered, each once; the retries are exactly the refused attempts
    const refused = [...attempts.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(report).toMatchObject({ delivered: 4000, failed: 0, unsent: [], retried: refused });
    expect(deliveredTo.size).toBe(4000);
    expect(Math.max(...deliveredTo.values())).toBe(1);
    expect(refused).toBeGreaterThan(300);
  });

  it('retries 429 and every transient 5xx, and no other status', async () => {
    // Prepare: each id answers its status once, then 200
    const statuses = [429, 500, 502, 503, 504, 400, 403, 413];
    const server = await startServer((request, response, index) => {
      const id = request.url.split('/').pop() as string;
      const first = server.received.findIndex((r) => r.url.endsWith(`/${id}`)) === index;
      response.writeHead(first ? Number(id) : 200).end();
    });
    const sender = tunedSender();

    // Act
    const results = await Promise.all(statuses.map((status) => sender.send({ endpoint: server.endpoint, connectionId: String(status), data: 'x' })));

    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered', 'failed', 'failed', 'failed']);
    expect(results.map((r) => r.retries)).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(results.slice(5).map((r) => r.status)).toEqual([400, 403, 413]);
  });

  it('waits at least what Retry-After asks (seconds or an HTTP date)', async () => {
    // Prepare
    const server = await startServer((_request, response, index) => {
      if (index === 0) response.writeHead(429, { 'retry-after': '2' }).end();
      else if (index === 2) response.writeHead(503, { 'retry-after': new Date(Date.now() + 5000).toUTCString() }).end();
      else response.writeHead(200).end();
    });
    const waits: number[] = [];
    const sender = tunedSender({ baseBackoffMs: 100, random: () => 1, sleep: async (ms) => void waits.push(ms) });

    // Act
    const throttled = await sender.send({ endpoint: server.endpoint, connectionId: 'a', data: 'x' });
    const unavailable = await sender.send({ endpoint: server.endpoint, connectionId: 'b', data: 'x' });

    // Assess
    expect([throttled.outcome, unavailable.outcome]).toEqual(['delivered', 'delivered']);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBeGreaterThan(3000);
    expect(waits[1]).toBeLessThanOrEqual(5000);
  });

  it('does not retry past the deadline: a post it cannot finish in time comes back unsent, unattempted or unretried', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.writeHead(429, { 'retry-after': '10' }).end());
    const sender = tunedSender({ timeoutMs: 1000 });

    // Act
    const tooLate = await sender.send({ endpoint: server.endpoint, connectionId: 'late', data: 'x', deadlineMs: Date.now() + 500 });
    const throttled = await sender.send({ endpoint: server.endpoint, connectionId: 'busy', data: 'x', deadlineMs: Date.now() + 5000 });

    // Assess: the first never went out; the second was refused once and Retry-After outlives the deadline
    expect(tooLate).toMatchObject({ outcome: 'unsent', retries: 0, reason: 'deadline' });
    expect(throttled).toMatchObject({ outcome: 'unsent', status: 429, retries: 0 });
    expect(server.received.map((r) => r.url.split('/').pop())).toEqual(['busy']);
  });

  it('counts the post timeout from the write, not from the wait for a free socket', async () => {
    // Prepare: one socket, a server that answers after 150 ms, a timeout of 1 s, 12 posts at once
    const server = await startServer((_request, response) => void setTimeout(() => response.writeHead(200).end(), 150));
    const sender = tunedSender({ maxSockets: 1, timeoutMs: 1000 });

    // Act: the last post waits about 11 × 150 ms for the socket, well beyond its timeout
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => sender.send({ endpoint: server.endpoint, connectionId: `q${i}`, data: 'x' })));

    // Assess
    expect(results.map((r) => r.outcome)).toEqual(Array(12).fill('delivered'));
    expect(server.sockets.size).toBe(1);
  });

  it('gives a queued post back unsent when no socket frees up before its deadline', async () => {
    // Prepare: one socket held by a post the server answers late
    const server = await startServer((request, response) => {
      if (request.url.endsWith('/slow')) setTimeout(() => response.writeHead(200).end(), 400);
      else response.writeHead(200).end();
    });
    const sender = tunedSender({ maxSockets: 1, timeoutMs: 1000 });

    // Act
    const slow = sender.send({ endpoint: server.endpoint, connectionId: 'slow', data: 'x' });
    const queued = await sender.send({ endpoint: server.endpoint, connectionId: 'queued', data: 'x', deadlineMs: Date.now() + 1100 });

    // Assess: the queued post was never written
    expect(queued).toMatchObject({ outcome: 'unsent' });
    expect((await slow).outcome).toBe('delivered');
    expect(server.received.map((r) => r.url.split('/').pop())).toEqual(['slow']);
  });
});
