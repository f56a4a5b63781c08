/**
 * What API Gateway does when a route's function misbehaves, as the emulator copies it:
 * a handler that throws or runs past its function timeout is a function error (the client
 * gets API Gateway's "Internal server error" frame, a `$connect` fails with 500); one that
 * outlasts the 29 s integration timeout gets "Endpoint request timed out" (504 on
 * `$connect`); a result with no statusCode, or none at all, is a success with nothing to
 * send. Every handler gets a Lambda context whose remaining time counts down its own
 * timeout. The real handlers run unless a test swaps one for a misbehaving stand-in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../../local-gateway/gateway.js';
import type { RouteHandlers } from '../../local-gateway/route-handlers.js';
import type { GatewayEvent, LambdaContextLike } from '../../lambdas/handlers/api-gateway-event.js';
import { startTestGateway, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { closeAll, expectHandshakeFailure, openClient, type WsClient } from '../support/ws-client.js';

type StandIn = (event: any, context: LambdaContextLike) => Promise<unknown>;

const standIns = vi.hoisted(() => ({ byRoute: new Map<string, StandIn>(), contexts: [] as { route: string; functionName: string; awsRequestId: string; remainingMs: number }[] }));

vi.mock('../../local-gateway/route-handlers.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../local-gateway/route-handlers.js')>();
  return {
    ...original,
    buildRouteHandlers: (...args: Parameters<typeof original.buildRouteHandlers>): RouteHandlers => {
      const handlers = original.buildRouteHandlers(...args);
      const wrapped = Object.fromEntries(
        Object.entries(handlers).map(([route, handler]) => [
          route,
          (event: any, context: LambdaContextLike) => {
            standIns.contexts.push({ route, functionName: context.functionName, awsRequestId: context.awsRequestId, remainingMs: context.getRemainingTimeInMillis() });
            const standIn = standIns.byRoute.get(route);
            return standIn ? standIn(event, context) : (handler as StandIn)(event, context);
          },
        ]),
      );
      return wrapped as unknown as RouteHandlers;
    },
  };
});

const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;
// Generous next to a real handler's few milliseconds, so a loaded machine does not trip them.
const ROUTE_TIMEOUT_MS = 1500;
const WORKER_TIMEOUT_MS = 1000;
const INTEGRATION_TIMEOUT_MS = 1500;
const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Functions time out after 1.5 s; the integration timeout is far away. */
let gateway: RunningGateway;
/** Functions may run 10 s, but API Gateway gives up after 1.5 s. */
let impatient: RunningGateway;
const logLines: string[] = [];
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    timeoutsMs: { route: ROUTE_TIMEOUT_MS, fanoutWorker: WORKER_TIMEOUT_MS, integration: 10_000 },
    // Any topic of two or more subscribers fans out through the worker.
    config: { fanout: { workerThreshold: 1, workerBatchSize: 1 } },
    write: (line) => logLines.push(line),
  });
  impatient = await startTestGateway({ dynamoEndpoint: gateway.dynamoEndpoint, timeoutsMs: { route: 10_000, integration: INTEGRATION_TIMEOUT_MS } });
});

afterEach(async () => {
  standIns.byRoute.clear();
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await impatient?.end();
  await gateway?.end();
});

async function connect(on: RunningGateway = gateway): Promise<{ client: WsClient; id: string }> {
  return connectTracked(on, clients);
}

describe('a handler that misbehaves never takes the gateway down', () => {
  it.each([
    ['undefined', async () => undefined],
    ['null', async () => null],
    ['an object without statusCode', async () => ({ body: 42 })],
  ])('a message route returning %s sends nothing and the connection keeps working', async (_name, standIn) => {
    // Prepare
    const { client } = await connect();
    standIns.byRoute.set('ping', standIn);

    // Act
    client.send({ action: 'ping', ref: 'quiet' });
    await sleep(200);
    standIns.byRoute.clear();

    // Assess: no frame for the first ping; the next one is answered
    expect(await client.ping()).toMatchObject({ payload: { status: 'ok' } });
    expect(client.frames.map((frame) => frame.json)).not.toContainEqual(expect.objectContaining({ ref: 'quiet' }));
  });

  it('a $connect returning nothing accepts the connection, as a success without statusCode', async () => {
    // Prepare
    standIns.byRoute.set('$connect', async () => undefined);

    // Act
    const { client } = await connect();

    // Assess
    expect(await client.ping()).toMatchObject({ payload: { status: 'ok' } });
  });

  it('a message route that throws answers API Gateway’s "Internal server error" frame', async () => {
    // Prepare
    const { client, id } = await connect();
    standIns.byRoute.set('push', async () => {
      throw new Error('boom');
    });

    // Act
    client.send({ action: 'push', topic: uniqueTopic(), event: 'e', ref: 'p' });

    // Assess
    const frame = await client.next((m) => m.message !== undefined);
    expect(frame).toEqual({ message: 'Internal server error', connectionId: id, requestId: expect.stringMatching(AWS_ID) });
    expect(logLines.some((line) => line.includes('function error') && line.includes('boom'))).toBe(true);
    expect(await client.ping()).toMatchObject({ payload: { status: 'ok' } });
  });

  it('a $connect that throws fails the handshake with 500', async () => {
    // Prepare
    standIns.byRoute.set('$connect', async () => {
      throw new Error('boom');
    });

    // Act
    const failure = await expectHandshakeFailure(gateway.url);

    // Assess
    expect(failure.statusCode).toBe(500);
  });

  it('a $disconnect that throws is logged and nothing else happens', async () => {
    // Prepare
    const { client } = await connect();
    standIns.byRoute.set('$disconnect', async () => {
      throw new Error('disconnect boom');
    });

    // Act
    await client.close();

    // Assess: the gateway still accepts and serves connections
    const { client: next } = await connect();
    expect(await next.ping()).toMatchObject({ payload: { status: 'ok' } });
  });
});

describe('timeouts', () => {
  it('stops waiting for a function at its timeout and answers "Internal server error" (Lambda: Task timed out)', async () => {
    // Prepare
    const { client, id } = await connect();
    standIns.byRoute.set('push', never);
    const started = Date.now();

    // Act
    client.send({ action: 'push', topic: uniqueTopic(), event: 'e', ref: 'slow' });

    // Assess
    const frame = await client.next((m) => m.message !== undefined);
    expect(frame).toEqual({ message: 'Internal server error', connectionId: id, requestId: expect.stringMatching(AWS_ID) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(ROUTE_TIMEOUT_MS - 20);
    expect(logLines.some((line) => line.includes('Task timed out after 1.50 seconds'))).toBe(true);
  });

  it('reports a function that finishes after its timeout, whose result is dropped', async () => {
    // Prepare
    const { client } = await connect();
    standIns.byRoute.set('ping', async () => {
      await sleep(ROUTE_TIMEOUT_MS + 200);
      return { statusCode: 200, body: '{"late":true}' };
    });

    // Act
    client.send({ action: 'ping', ref: 'late' });
    await client.next((m) => m.message === 'Internal server error');
    await sleep(400);

    // Assess
    expect(client.frames.map((frame) => frame.json)).not.toContainEqual({ late: true });
    expect(logLines.some((line) => line.includes('function finished after its timeout'))).toBe(true);
  });

  it('answers "Endpoint request timed out" after the integration timeout, and drops the late reply', async () => {
    // Prepare
    const { client, id } = await connect(impatient);
    standIns.byRoute.set('ping', async () => {
      await sleep(INTEGRATION_TIMEOUT_MS + 300);
      return { statusCode: 200, body: '{"late":true}' };
    });

    // Act
    client.send({ action: 'ping', ref: 'x' });

    // Assess
    expect(await client.next((m) => m.message !== undefined)).toEqual({ message: 'Endpoint request timed out', connectionId: id, requestId: expect.stringMatching(AWS_ID) });
    await sleep(500);
    expect(client.frames.map((frame) => frame.json)).not.toContainEqual({ late: true });
  });

  it('fails a $connect that outlasts the integration timeout with 504', async () => {
    // Prepare
    standIns.byRoute.set('$connect', never);

    // Act
    const failure = await expectHandshakeFailure(impatient.url);

    // Assess
    expect(failure.statusCode).toBe(504);
  });
});

describe('Lambda context', () => {
  it('passes every route a context whose remaining time counts down from the function timeout', async () => {
    // Prepare
    standIns.contexts.length = 0;
    const { client } = await connect();
    const seen: number[] = [];
    standIns.byRoute.set('ping', async (_event: GatewayEvent, context) => {
      seen.push(context.getRemainingTimeInMillis());
      await sleep(100);
      seen.push(context.getRemainingTimeInMillis());
      return { statusCode: 200, body: '{"ok":true}' };
    });

    // Act
    client.send({ action: 'ping' });
    await client.next((m) => m.ok === true);

    // Assess: the countdown starts at the function's timeout and runs with the clock
    expect(seen[0]).toBeLessThanOrEqual(ROUTE_TIMEOUT_MS);
    expect(seen[0]).toBeGreaterThan(ROUTE_TIMEOUT_MS - 100);
    expect(seen[0]! - seen[1]!).toBeGreaterThanOrEqual(90);
    const connectContext = standIns.contexts.find((c) => c.route === '$connect');
    expect(connectContext).toMatchObject({ functionName: 'topicast-connect', awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(standIns.contexts.find((c) => c.route === 'ping')).toMatchObject({ functionName: 'topicast-ping' });
  });

  it('runs the fan-out worker with its own timeout and context, and logs a worker that runs out of time', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: ann } = await connect();
    const { client: ben } = await connect();
    await ann.join(topic);
    await ben.join(topic);
    standIns.contexts.length = 0;
    standIns.byRoute.set('fanoutWorker', never);

    // Act: a push to the topic goes to the worker (an asynchronous invoke)
    await ann.request({ action: 'push', topic, event: 'shout' });
    await gateway.drain();

    // Assess
    const worker = standIns.contexts.find((c) => c.route === 'fanoutWorker');
    expect(worker).toMatchObject({ functionName: 'topicast-fanout-worker' });
    expect(worker!.remainingMs).toBeLessThanOrEqual(WORKER_TIMEOUT_MS);
    expect(worker!.remainingMs).toBeGreaterThan(WORKER_TIMEOUT_MS - 200);
    expect(logLines.some((line) => line.includes('fan-out worker failed') && line.includes('Task timed out after 1.00 seconds'))).toBe(true);
  });

  it('uses the construct’s own defaults when no timeouts are given (10 s routes)', async () => {
    // Prepare: a gateway with default timeouts
    const defaults = await startTestGateway({ dynamoEndpoint: gateway.dynamoEndpoint });
    try {
      standIns.contexts.length = 0;
      const client = await openClient(defaults.url);
      clients.push(client);

      // Act
      await client.ping();

      // Assess
      const { DEFAULT_TIMEOUT_SECONDS } = await import('../../lib/function-timeouts.js');
      const { DEFAULTS } = await import('../../lib/realtime-api-defaults.js');
      expect(DEFAULTS.routeTimeout.toMilliseconds()).toBe(DEFAULT_TIMEOUT_SECONDS.route * 1000);
      const ping = standIns.contexts.find((c) => c.route === 'ping');
      expect(ping?.remainingMs).toBeLessThanOrEqual(DEFAULTS.routeTimeout.toMilliseconds());
      expect(ping?.remainingMs).toBeGreaterThan(DEFAULTS.routeTimeout.toMilliseconds() - 1000);
    } finally {
      await closeAll(clients.splice(0));
      await defaults.end();
    }
  });
});
