/**
 * What API Gateway does when a route's function misbehaves, as the template runtime copies
 * it: a function that throws or runs past its timeout is a function error (the client gets
 * API Gateway's "Internal server error" frame, a `$connect` fails with 500); one that
 * outlasts API Gateway's integration timeout (29 s; 6 s here) gets "Endpoint request timed out" (504
 * on `$connect`: both are waited for at once); a result with no statusCode, or none at all, is a
 * success with nothing to send. Every function gets a Lambda context whose remaining time
 * counts down its own timeout from the template. One hand-written template (no synthesis):
 * each route's function does what the frame (or the handshake's query) asks.
 * Moved from test/e2e/integration-failures.test.ts, which swapped topicast's handlers in the
 * hand-wired gateway; here the functions are the template's, in processes of their own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';
import WebSocket from 'ws';
import { closeAll, expectHandshakeFailure, openClient, type WsClient } from '../support/ws-client.js';
import { lambdaRoute } from '../support/websocket-template.js';

const TIMEOUT_SECONDS = 2;
// API Gateway's 29 s (the runtime's default, API_GATEWAY_LIMITS), shortened as the runtime's
// option allows so the test does not wait half a minute; still past the 2 s function timeout.
const INTEGRATION_TIMEOUT_MS = 6_000;
const OUTLAST_MS = INTEGRATION_TIMEOUT_MS + 2_000;

// Does what the frame's `do` (or $connect's query `do`) asks; answers on its two-way route.
const MISBEHAVING_CODE = `
exports.handler = async (event, context) => {
  const ask = event.requestContext.eventType === 'CONNECT' ? (event.queryStringParameters || {}).do : JSON.parse(event.body || '{}').do;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  if (event.requestContext.eventType === 'DISCONNECT') throw new Error('disconnect boom');
  switch (ask) {
    case 'throw': throw new Error('boom');
    case 'hang': return new Promise(() => undefined);
    case 'log': {
      console.log('an info line');
      console.log(JSON.stringify({ level: 'INFO', message: 'powertools info' }));
      console.log(JSON.stringify({ level: 'WARN', message: 'powertools warning' }));
      console.log(new Date().toISOString() + '\\t' + context.awsRequestId + '\\tERROR\\tconsole-format error');
      console.warn('a console warning');
      return { statusCode: 200, body: JSON.stringify({ logged: true }) };
    }
    case 'undefined': return undefined;
    case 'null': return null;
    case 'no-status': return { body: 42 };
    case 'outlast-integration': await sleep(${OUTLAST_MS}); return { statusCode: 200, body: '{"late":true}' };
    case 'context': {
      const first = context.getRemainingTimeInMillis();
      await sleep(100);
      return { statusCode: 200, body: JSON.stringify({ first, second: context.getRemainingTimeInMillis(), functionName: context.functionName, awsRequestId: context.awsRequestId, memory: context.memoryLimitInMB }) };
    }
    default: return { statusCode: 200, body: JSON.stringify({ ok: true }) };
  }
};`;


function route(key: string) {
  return lambdaRoute(key, key === 'slow' || key === '$connect' ? 'Patient' : 'Misbehaving', { twoWay: !key.startsWith('$') || key === '$default' });
}

const role = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }], Version: '2012-10-17' } } };
const fn = (timeout: number) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Code: { ZipFile: MISBEHAVING_CODE }, Handler: 'index.handler', Runtime: 'nodejs22.x', Timeout: timeout, MemorySize: 256, Role: { 'Fn::GetAtt': ['Role', 'Arn'] } },
});

const TEMPLATE = {
  Resources: {
    Role: role,
    // Times out after 2 s.
    Misbehaving: fn(TIMEOUT_SECONDS),
    // May run 40 s, past API Gateway's integration timeout.
    Patient: fn(40),
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Misbehaving', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' } },
    Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: 'dev', AutoDeploy: true } },
    ...route('$connect'),
    ...route('$disconnect'),
    ...route('$default'),
    ...route('slow'),
  },
};

function writeAssembly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'topicast-misbehaving-assembly-'));
  writeFileSync(join(dir, 'Misbehaving.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: { Misbehaving: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Misbehaving.template.json' } } } }));
  return dir;
}

const AWS_ID = /^[A-Za-z0-9_-]{15}=$/;
// A first invocation starts the function's process.
const COLD_MS = 30_000;
const lines: string[] = [];
const clients: WsClient[] = [];
let runtime: LocalRuntime;
let url: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ assemblyDir: writeAssembly(), port: 0, quiet: true, write: (line) => lines.push(line), integrationTimeoutMs: INTEGRATION_TIMEOUT_MS });
  url = `${runtime.apis[0]?.url ?? ''}/dev`;
  // Start both functions' processes before anything is timed.
  const warm = await connect();
  warm.send({ action: 'slow' });
  await warm.next((m) => m.ok === true, COLD_MS);
  warm.send({});
  await warm.next((m) => m.ok === true, COLD_MS);
  await closeAll(clients.splice(0));
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await runtime?.end();
});

async function connect(query = ''): Promise<WsClient> {
  const client = await openClient(url.replace('/dev', ''), { path: `/dev${query}` });
  clients.push(client);
  return client;
}

/** The HTTP status a refused handshake gets, waiting as long as API Gateway may take. */
function refusedHandshakeStatus(path: string, timeoutMs: number): Promise<number> {
  const socket = new WebSocket(`${url.replace('/dev', '')}${path}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no answer to the handshake on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      socket.terminate();
      resolve(response.statusCode ?? 0);
    });
    socket.once('open', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`the handshake on ${path} was accepted`));
    });
    socket.once('error', () => undefined);
  });
}

/** Pushes nothing back: proves the connection still works by a normal answer. */
async function stillAnswers(client: WsClient): Promise<void> {
  client.send({ do: 'ok' });
  await client.next((m) => m.ok === true, COLD_MS);
}

describe('a quiet runtime', () => {
  it("prints a function's warnings and errors, not its ordinary lines", async () => {
    // Prepare
    const client = await connect();

    // Act
    client.send({ do: 'log' });
    await client.next((m) => m.logged === true, COLD_MS);
    // The lines travel on the function's pipes, apart from its answer; the info lines went
    // out before the warnings on the same stdout, so they would be here by now.
    const expected = ['powertools warning', 'console-format error', 'a console warning'];
    await expect.poll(() => expected.filter((text) => lines.some((line) => line.includes(text))), { timeout: 10_000 }).toEqual(expected);

    // Assess
    const printed = lines.join('\n');
    expect(printed).not.toContain('an info line');
    expect(printed).not.toContain('powertools info');
  });
});

describe('a function that misbehaves never takes the API down', () => {
  it.each(['undefined', 'null', 'no-status'])('a message route returning %s sends nothing and the connection keeps working', async (ask) => {
    // Prepare
    const client = await connect();

    // Act
    client.send({ do: ask, ref: 'quiet' });
    await stillAnswers(client);

    // Assess: the only frame is the answer to the second message
    expect(client.frames.map((frame) => frame.json)).toEqual([{ ok: true }]);
  });

  it('a $connect returning nothing accepts the connection, as a success without statusCode', async () => {
    const client = await connect('?do=undefined');
    await stillAnswers(client);
  });

  it('a message route that throws answers API Gateway’s "Internal server error" frame', async () => {
    // Prepare
    const client = await connect();
    const id = [...(runtime.apis[0]?.connections.all() ?? [])].find((connection) => connection.userAgent === client.userAgent)?.connectionId;

    // Act
    client.send({ do: 'throw' });

    // Assess
    expect(await client.next((m) => m.message !== undefined, COLD_MS)).toEqual({ message: 'Internal server error', connectionId: id, requestId: expect.stringMatching(AWS_ID) });
    expect(lines.some((line) => line.includes('function error') && line.includes('boom'))).toBe(true);
    await stillAnswers(client);
  });

  it('a $connect that throws fails the handshake with 500', async () => {
    expect((await expectHandshakeFailure(url.replace('/dev', ''), { path: '/dev?do=throw' })).statusCode).toBe(500);
  });

  it('a $disconnect that throws is logged and nothing else happens', async () => {
    // Act
    const client = await connect();
    await client.close();

    // Assess: the API still accepts and serves connections
    await expect.poll(() => lines.some((line) => line.includes('function error') && line.includes('disconnect boom')), { timeout: COLD_MS }).toBe(true);
    await stillAnswers(await connect());
  });
});

describe('timeouts', () => {
  it('stops waiting for a function at its timeout and answers "Internal server error" (Lambda: Task timed out)', async () => {
    // Prepare
    const client = await connect();
    const started = Date.now();

    // Act
    client.send({ do: 'hang' });

    // Assess
    expect(await client.next((m) => m.message !== undefined, COLD_MS)).toMatchObject({ message: 'Internal server error' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 - 20);
    expect(lines.some((line) => line.includes(`Task timed out after ${TIMEOUT_SECONDS.toFixed(2)} seconds`))).toBe(true);
    await stillAnswers(client);
  });

  it('answers "Endpoint request timed out" after the integration timeout and drops the late reply; fails such a $connect with 504', async () => {
    // Prepare
    const client = await connect();
    const started = Date.now();

    // Act: the patient function answers 2 s after API Gateway gave up
    client.send({ action: 'slow', do: 'outlast-integration' });
    const handshake = refusedHandshakeStatus('/dev?do=outlast-integration', INTEGRATION_TIMEOUT_MS + COLD_MS);

    // Assess
    expect(await client.next((m) => m.message !== undefined, INTEGRATION_TIMEOUT_MS + COLD_MS)).toMatchObject({ message: 'Endpoint request timed out', requestId: expect.stringMatching(AWS_ID) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(INTEGRATION_TIMEOUT_MS - 20);
    expect(await handshake).toBe(504);
    // The late answer would arrive 2 s later: a normal answer after that proves it was dropped.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await stillAnswers(client);
    expect(client.frames.map((frame) => frame.json)).not.toContainEqual({ late: true });
  });
});

describe('Lambda context', () => {
  it('passes a context whose remaining time counts down from the template’s timeout, with the function’s name and a request id', async () => {
    // Act
    const client = await connect();
    client.send({ do: 'context' });
    const facts = await client.next((m) => m.first !== undefined, COLD_MS);

    // Assess
    expect(facts.first).toBeLessThanOrEqual(TIMEOUT_SECONDS * 1000);
    expect(facts.first).toBeGreaterThan(TIMEOUT_SECONDS * 1000 - 1000);
    expect(facts.first - facts.second).toBeGreaterThanOrEqual(90);
    expect(facts).toMatchObject({ functionName: expect.stringMatching(/Misbehaving/), awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/), memory: '256' });
  });
});
