/**
 * The functions as Lambda runs them, through `npm start`'s runtime: bundled from the template's
 * assets, each in a process of its own with the template's environment, invoked by the API
 * with a Lambda context. What they write is what CloudWatch Logs would get (the runtime keeps
 * each line, prefixed with the function's logical id): Powertools JSON log lines with the
 * correlation fields, and EMF metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatedDynamo, type GatedDynamo } from '../support/gated-dynamo.js';
import { connectionIdOf } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

let dynamo: GatedDynamo;
let gateway: RunningGateway;
let ann: WsClient;
let ben: WsClient;

beforeAll(async () => {
  dynamo = await startGatedDynamo();
  gateway = await startTestGateway({ dynamoEndpoint: dynamo.endpoint, config: { topicRules: [{ pattern: 'room:*' }] } });
  [ann, ben] = await Promise.all([openClient(gateway.url), openClient(gateway.url)]);
  await ann.join('room:observed');
  await ben.join('room:observed');
});

afterAll(async () => {
  await closeAll([ann, ben].filter(Boolean));
  await gateway?.end();
  await dynamo?.stop();
});

/** The JSON lines a function (by its logical id's prefix, e.g. `RealtimePush`) wrote since `mark`. */
function linesOf(functionPrefix: string, mark: number): Record<string, any>[] {
  const prefix = new RegExp(`^\\[${functionPrefix}[0-9A-F]{8}\\] `);
  return gateway.lines
    .slice(mark)
    .filter((line) => prefix.test(line))
    .map((line) => line.replace(prefix, ''))
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as Record<string, any>);
}

const emfOf = (lines: Record<string, any>[]): any[] => lines.filter((line) => line._aws !== undefined);

/** Waits for a function's line matching `predicate` (the runtime prints it as the function writes it). */
async function lineOf(functionPrefix: string, mark: number, predicate: (line: Record<string, any>) => boolean): Promise<Record<string, any>[]> {
  await expect.poll(() => linesOf(functionPrefix, mark).some(predicate), { timeout: 10_000 }).toBe(true);
  return linesOf(functionPrefix, mark);
}

describe('a function run by the template runtime', () => {
  it("names the client's frame in its request line, as the handlers decode it", async () => {
    // Act
    const mark = gateway.lines.length;
    await ann.request({ action: 'push', topic: 'room:observed', event: 'labelled', payload: {} }, 30_000);

    // Assess: `<route> <connection> <status> <ms>ms <frame>`
    const connectionId = connectionIdOf(gateway, ann);
    await expect.poll(() => gateway.lines.slice(mark).filter((line) => line.startsWith(`push ${connectionId} `)), { timeout: 10_000 }).toEqual([expect.stringMatching(/ms push room:observed labelled$/)]);
  });

  it('delivers a push and writes its EMF metrics once, by topic pattern and in total', async () => {
    // Act
    const mark = gateway.lines.length;
    const reply = await ann.request({ action: 'push', topic: 'room:observed', event: 'shout', payload: { n: 1 } }, 30_000);

    // Assess: the reply, and the broadcast through the Management API
    expect(reply).toMatchObject({ event: 'phx_reply', payload: { status: 'ok' } });
    await ben.nextEvent('shout', (m) => m.payload.n === 1);
    await ann.nextEvent('shout', (m) => m.payload.n === 1);

    const [emf, ...more] = emfOf(await lineOf('RealtimePush', mark, (line) => line._aws !== undefined));
    expect(more).toEqual([]);
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Topicast',
        Dimensions: [
          ['service', 'ApiId', 'TopicPattern'],
          ['service', 'ApiId'],
        ],
        Metrics: expect.arrayContaining([
          { Name: 'Pushes', Unit: 'Count' },
          { Name: 'Deliveries', Unit: 'Count' },
          { Name: 'FanoutDuration', Unit: 'Milliseconds' },
        ]),
      },
    ]);
    expect(emf).toMatchObject({ service: 'topicast', ApiId: gateway.runtime.apis[0]?.apiId, TopicPattern: 'room:*', Pushes: 1, Deliveries: 2 });
    expect(emf.FanoutDuration).toBeGreaterThanOrEqual(0);
    // Zero counts are not written: no failure happened.
    expect(emf.FailedDeliveries).toBeUndefined();
  });

  it('counts a refusal by reason and in total', async () => {
    // Act: a connection that never joined pushes
    const stranger = await openClient(gateway.url);
    try {
      const mark = gateway.lines.length;
      const reply = await stranger.request({ action: 'push', topic: 'room:observed', event: 'shout' }, 30_000);

      // Assess
      expect(reply).toMatchObject({ payload: { status: 'error', response: { reason: 'not_joined' } } });
      const [emf] = emfOf(await lineOf('RealtimePush', mark, (line) => line._aws !== undefined));
      expect(emf).toMatchObject({ Reason: 'not_joined', Refusals: 1 });
      expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([
        ['service', 'ApiId', 'Reason'],
        ['service', 'ApiId'],
      ]);
    } finally {
      await closeAll([stranger]);
    }
  });

  it('logs an internal failure as a Powertools JSON line carrying the stack and every correlation field', async () => {
    // Prepare: the join's read of its connection record fails, as DynamoDB fails a request
    const annId = connectionIdOf(gateway, ann);
    const stop = dynamo.gate.intercept(async (call, proceed) => {
      if (call.name === 'GetItemCommand' && (call.input.Key as { pk?: string } | undefined)?.pk === `c#${annId}`) {
        throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
      }
      return proceed();
    });
    const mark = gateway.lines.length;
    try {
      // Act
      const reply = await ann.request({ action: 'join', topic: 'room:observed-again' }, 30_000);

      // Assess
      expect(reply).toMatchObject({ payload: { status: 'error', response: { reason: 'internal_error' } } });
    } finally {
      stop();
    }
    const lines = await lineOf('RealtimeJoin', mark, (line) => line.message === 'command failed');
    const failure = lines.find((line) => line.message === 'command failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      service: 'topicast',
      function_name: expect.stringMatching(/Join/),
      function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      route: 'join',
      connectionId: annId,
      requestId: expect.any(String),
      topicPattern: 'room:*',
      error: { name: 'ResourceNotFoundException' },
    });
    expect(failure?.error.stack).toContain('ResourceNotFoundException');
    expect(emfOf(lines)[0]).toMatchObject({ Reason: 'internal_error', Refusals: 1 });
  });
});
