/**
 * The push function as Lambda runs it: bundled by esbuild exactly as the construct bundles
 * it, imported in a fresh `node` with Lambda's variables, and invoked with an API Gateway
 * event and a Lambda context. Its table and Management API are a local gateway's, so the
 * broadcast really reaches a WebSocket client. What it writes to stdout is what CloudWatch
 * Logs would get: Powertools JSON log lines with the correlation fields, and EMF metrics.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions, type FunctionName } from '../../bench/bundles.js';
import { startGateway, type RunningGateway } from '../../local-gateway/gateway.js';
import { TEST_CREDENTIALS } from '../support/dynalite.js';
import { messageEvent } from '../support/gateway-events.js';
import { connectionIdOf } from '../support/local-gateway.js';
import { openClient, type WsClient } from '../support/ws-client.js';

let dir: string;
let bundles: Record<string, { file: string }>;
let gateway: RunningGateway;
let ann: WsClient;
let ben: WsClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'topicast-lambda-'));
  bundles = await bundleFunctions(dir, { names: ['push', 'join'] });
  gateway = await startGateway({ port: 0, quiet: true, config: { topicRules: [{ pattern: 'room:*' }] } });
  [ann, ben] = await Promise.all([openClient(gateway.url), openClient(gateway.url)]);
  await ann.join('room:observed');
  await ben.join('room:observed');
});

afterAll(async () => {
  ann?.close();
  ben?.close();
  await gateway?.end();
  rmSync(dir, { recursive: true, force: true });
});

interface Invocation {
  readonly result: { statusCode: number; body?: string };
  readonly lines: Record<string, any>[];
}

/**
 * Runs one invocation of a bundled handler in a fresh process, as a cold Lambda would. Not
 * spawnSync: the gateway it talks to runs in this process.
 */
async function invokeBundled(name: FunctionName, event: unknown, env: Record<string, string> = {}): Promise<Invocation> {
  const runner = join(dir, `${name.replace('$', '')}-invoke.mjs`);
  writeFileSync(
    runner,
    `const { handler } = await import(${JSON.stringify(bundles[name]!.file)});
const context = { awsRequestId: 'lambda-request-1', functionName: 'topicast-${name}', functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:topicast-${name}', memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 10000 };
const result = await handler(${JSON.stringify(event)}, context);
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`,
  );
  // Lambda sends both streams to CloudWatch Logs; Powertools writes warnings and errors to stderr.
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [runner], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_FUNCTION_NAME: `topicast-${name}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      DYNAMODB_ENDPOINT: gateway.dynamoEndpoint,
      TABLE_NAME: gateway.tableName,
      TOPICAST_MANAGEMENT_ENDPOINT: gateway.managementEndpoint,
      TOPICAST_CONFIG: JSON.stringify({ topicRules: [{ pattern: 'room:*' }] }),
      TOPICAST_API_ID: 'api123',
      POWERTOOLS_SERVICE_NAME: 'topicast',
      ...env,
    },
  });
  const all = `${stdout}\n${stderr}`.split('\n').filter((line) => line.length > 0);
  const resultLine = all.find((line) => line.startsWith('RESULT '));
  if (!resultLine) throw new Error(`${name} printed no result: ${stdout}`);
  return { result: JSON.parse(resultLine.slice(7)), lines: all.filter((line) => line !== resultLine).map((line) => JSON.parse(line)) };
}

const emfOf = (lines: Record<string, any>[]): any[] => lines.filter((line) => line._aws !== undefined);

describe('a bundled Lambda function', () => {
  it('delivers a push and writes its EMF metrics once, by topic pattern and in total', async () => {
    // Act
    const event = messageEvent(connectionIdOf(gateway, ann), JSON.stringify({ action: 'push', topic: 'room:observed', event: 'shout', payload: { n: 1 }, ref: '9' }), 'push');
    const { result, lines } = await invokeBundled('push', event);

    // Assess: the reply, and the broadcast through the gateway's Management API
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ event: 'phx_reply', ref: '9', payload: { status: 'ok' } });
    await ben.nextEvent('shout', (m) => m.payload.n === 1);
    await ann.nextEvent('shout', (m) => m.payload.n === 1);

    const [emf, ...more] = emfOf(lines);
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
    expect(emf).toMatchObject({ service: 'topicast', ApiId: 'api123', TopicPattern: 'room:*', Pushes: 1, Deliveries: 2 });
    expect(emf.FanoutDuration).toBeGreaterThanOrEqual(0);
    // Zero counts are not written: no failure happened.
    expect(emf.FailedDeliveries).toBeUndefined();
  });

  it('counts a refusal by reason and in total', async () => {
    // Act: a connection that never joined pushes
    const event = messageEvent('never-joined=', JSON.stringify({ action: 'push', topic: 'room:observed', event: 'shout', ref: '3' }), 'push');
    const { result, lines } = await invokeBundled('push', event);

    // Assess
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ payload: { status: 'error', response: { reason: 'not_joined' } } });
    const [emf] = emfOf(lines);
    expect(emf).toMatchObject({ Reason: 'not_joined', Refusals: 1 });
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'ApiId', 'Reason'],
      ['service', 'ApiId'],
    ]);
  });

  it('logs an internal failure as a Powertools JSON line carrying the stack and every correlation field', async () => {
    // Act: a join whose connection record cannot be read (the table name is wrong for this one call)
    const event = messageEvent(connectionIdOf(gateway, ann), JSON.stringify({ action: 'join', topic: 'room:observed', ref: '4' }), 'join', { requestId: 'apigw-request-7' });
    const { result, lines } = await invokeBundled('join', event, { TABLE_NAME: 'no-such-table' });

    // Assess
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ payload: { status: 'error', response: { reason: 'internal_error' } } });
    const failure = lines.find((line) => line.message === 'command failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      service: 'topicast',
      function_name: 'topicast-join',
      function_request_id: 'lambda-request-1',
      route: 'join',
      connectionId: connectionIdOf(gateway, ann),
      requestId: 'apigw-request-7',
      topicPattern: 'room:*',
      error: { name: 'ResourceNotFoundException' },
    });
    expect(failure?.error.stack).toContain('ResourceNotFoundException');
    expect(emfOf(lines)[0]).toMatchObject({ Reason: 'internal_error', Refusals: 1 });
  });
});
