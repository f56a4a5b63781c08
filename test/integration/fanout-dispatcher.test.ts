/**
 * The worker hand-over (an asynchronous Lambda Invoke signed by the lean signer) against a
 * real local HTTP server standing in for Lambda's endpoint: the request is the one the AWS
 * SDK's InvokeCommand sends (path, invocation type, a valid SigV4 signature for `lambda`),
 * and what is retried is only what Lambda provably did not queue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaFanoutDispatcher, lambdaEndpointOf } from '../../lambdas/adapters/fanout/lambda-fanout-dispatcher.js';
import { cachedCredentials, type SigningCredentials } from '../../lambdas/adapters/management-api/credentials.js';
import { workerDispatcher } from '../../lambdas/composition/environment/messaging-parts.js';
import type { FanoutBatch } from '../../lambdas/core/ports.js';
import { verifySigV4, type SignedRequest } from '../support/sigv4-verifier.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CREDENTIALS: SigningCredentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test/secret+key', sessionToken: 'session-token==' };
const WORKER = 'arn:aws:lambda:eu-west-1:123456789012:function:topicast-fanout';

type Reply = (request: SignedRequest, response: ServerResponse, index: number) => void;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function fakeLambda(reply: Reply = (_request, response) => response.writeHead(202).end()): Promise<{ endpoint: string; received: SignedRequest[] }> {
  const received: SignedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      reply(entry, response, received.length - 1);
    });
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function dispatcher(endpoint: string, timeoutMs = 2000): LambdaFanoutDispatcher {
  const created = new LambdaFanoutDispatcher({ functionName: WORKER, region: 'eu-west-1', credentials: cachedCredentials(async () => CREDENTIALS), endpoint, timeoutMs, sleep: async () => undefined });
  closers.push(async () => created.destroy());
  return created;
}

const batch = (n: number): FanoutBatch => ({
  topic: 'room:big',
  message: { topic: 'room:big', event: 'shout', payload: { n }, ref: null, joinRef: null },
  subscribers: [{ connectionId: `c${n}`, endpoint: 'https://x/prod', format: 'native', joinRef: null }],
  withSubscriberJoinRef: false,
});

describe('worker hand-over without the Lambda SDK client', () => {
  it('sends what the SDK InvokeCommand sends: same path, invocation type Event, a valid SigV4 signature for lambda', async () => {
    // Prepare
    const lambda = await fakeLambda();
    const sdk = new LambdaClient({ endpoint: lambda.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
    const payload = batch(1);

    // Act
    await sdk.send(new InvokeCommand({ FunctionName: WORKER, InvocationType: 'Event', Payload: JSON.stringify(payload) }));
    const result = await dispatcher(lambda.endpoint).dispatch([payload]);

    // Assess
    expect(result).toEqual({ dispatched: 1, failed: [] });
    const [fromSdk, ours] = lambda.received as [SignedRequest, SignedRequest];
    expect(ours.method).toBe('POST');
    expect(ours.url).toBe(fromSdk.url);
    expect(ours.url).toBe(`/2015-03-31/functions/${encodeURIComponent(WORKER)}/invocations`);
    expect(ours.headers['x-amz-invocation-type']).toBe('Event');
    expect(fromSdk.headers['x-amz-invocation-type']).toBe('Event');
    expect(JSON.parse(ours.body)).toEqual(payload);
    expect(verifySigV4(fromSdk, CREDENTIALS.secretAccessKey).valid).toBe(true);
    const check = verifySigV4(ours, CREDENTIALS.secretAccessKey);
    expect(check).toMatchObject({ valid: true, region: 'eu-west-1', service: 'lambda' });
    expect(check.signedHeaders).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-invocation-type', 'x-amz-security-token']);
    expect(verifySigV4({ ...ours, body: `${ours.body} ` }, CREDENTIALS.secretAccessKey).valid).toBe(false);
  });

  it('retries what Lambda did not queue (429, 5xx) and reports what it refused, batch by batch', async () => {
    // Prepare: batch 0 is throttled once; batch 1 is refused (403); batch 2 meets a 503 three times
    const attempts = new Map<number, number>();
    const lambda = await fakeLambda((request, response) => {
      const n = (JSON.parse(request.body) as { message: { payload: { n: number } } }).message.payload.n;
      const attempt = (attempts.get(n) ?? 0) + 1;
      attempts.set(n, attempt);
      if (n === 0 && attempt === 1) return response.writeHead(429, { 'retry-after': '0' }).end('{"message":"Rate exceeded"}');
      if (n === 1) return response.writeHead(403).end('{"message":"not authorized"}');
      if (n === 2) return response.writeHead(503).end();
      return response.writeHead(202).end();
    });

    // Act
    const result = await dispatcher(lambda.endpoint).dispatch([batch(0), batch(1), batch(2), batch(3)]);

    // Assess
    expect(result.dispatched).toBe(2);
    expect(result.failed.map(({ batch: failed, error }) => [failed.subscribers[0]?.connectionId, error])).toEqual([
      ['c1', 'Lambda Invoke answered http 403'],
      ['c2', 'Lambda Invoke answered http 503 after 3 attempts'],
    ]);
    expect(Object.fromEntries(attempts)).toEqual({ 0: 2, 1: 1, 2: 3, 3: 1 });
  });

  it('waits for the worker when asked: a RequestResponse invoke, done on 200, failed on anything else', async () => {
    // Prepare: Lambda runs the worker (200 with its report) for the first batch, answers 202 (queued, not run) for the second
    const lambda = await fakeLambda((_request, response, index) => (index === 0 ? response.writeHead(200).end('{"delivered":1}') : response.writeHead(202).end()));

    // Act
    const result = await dispatcher(lambda.endpoint).dispatch([batch(0), batch(1)], { wait: true });

    // Assess
    expect(lambda.received.map((request) => request.headers['x-amz-invocation-type'])).toEqual(['RequestResponse', 'RequestResponse']);
    expect(result.dispatched).toBe(1);
    expect(result.failed.map(({ error }) => error)).toEqual(['Lambda Invoke answered http 202']);
  });

  it('never resends a request that may have been queued (no answer within the timeout)', async () => {
    // Prepare: Lambda reads the request and never answers
    const lambda = await fakeLambda(() => undefined);

    // Act
    const result = await dispatcher(lambda.endpoint, 200).dispatch([batch(0)]);

    // Assess
    expect(result.dispatched).toBe(0);
    expect(result.failed[0]?.error).toMatch(/^Lambda Invoke timeout/);
    expect(lambda.received).toHaveLength(1);
  });

  it('retries a connection that was refused (nothing was sent)', async () => {
    // Prepare: a port nothing listens on
    const lambda = await fakeLambda();
    const port = Number(new URL(lambda.endpoint).port);
    await Promise.all(closers.splice(0).map((close) => close()));

    // Act
    const result = await dispatcher(`http://127.0.0.1:${port}`).dispatch([batch(0)]);

    // Assess
    expect(result.failed[0]?.error).toMatch(/^Lambda Invoke unsent: .* after 3 attempts$/);
  });

  it('is pointed elsewhere by AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL, as the SDK client would be (LocalStack)', async () => {
    // Prepare
    const specific = await fakeLambda();
    const general = await fakeLambda();
    const credentials = cachedCredentials(async () => CREDENTIALS);
    const both = workerDispatcher('fanout', 'eu-west-1', credentials, 2000, { AWS_ENDPOINT_URL_LAMBDA: specific.endpoint, AWS_ENDPOINT_URL: general.endpoint });
    const generalOnly = workerDispatcher('fanout', 'eu-west-1', credentials, 2000, { AWS_ENDPOINT_URL: general.endpoint });
    closers.push(async () => both.destroy(), async () => generalOnly.destroy());

    // Act
    await both.dispatch([batch(0)]);
    await generalOnly.dispatch([batch(1)]);

    // Assess
    expect(specific.received.map((request) => request.url)).toEqual(['/2015-03-31/functions/fanout/invocations']);
    expect(general.received.map((request) => request.url)).toEqual(['/2015-03-31/functions/fanout/invocations']);
  });

  it("addresses Lambda's public endpoint of the region", () => {
    // Act & Assess
    expect(lambdaEndpointOf('eu-west-1')).toBe('https://lambda.eu-west-1.amazonaws.com');
    expect(lambdaEndpointOf('cn-north-1')).toBe('https://lambda.cn-north-1.amazonaws.com.cn');
  });
});
