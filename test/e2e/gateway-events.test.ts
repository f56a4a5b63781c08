/**
 * What the route functions receive: events shaped as API Gateway sends them, and route
 * selection on `action` with `$default` as fallback. The formatter is checked directly,
 * and end to end through the template runtime: a hand-written template with topicast's
 * route keys and selection expression, whose one function prints each event it gets (the
 * runtime keeps the functions' output) and answers message routes with the route's name,
 * so the events real sockets produce can be inspected. (topicast's own answers on these
 * routes are the subject of errors.test.ts.)
 */
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayId } from '../../local-gateway/connection-pool.js';
import { connectEvent, disconnectEvent, messageEvent, requestTime, selectRoute, type GatewayIdentity } from '../../local-gateway/event-formatter.js';
import { ROUTE_KEYS } from '../../lambdas/core/protocol/constants.js';
import type { GatewayEvent } from '../../lambdas/handlers/api-gateway-event.js';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';
import { connectionIdOf, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';
import { lambdaRoute } from '../support/websocket-template.js';

interface Invocation {
  /** The route whose integration got the event. */
  readonly handler: string;
  readonly event: GatewayEvent;
}

// Prints the event it got; answers a message with its route and the frame's ref.
const RECORDER_CODE = `
exports.handler = async (event) => {
  console.log('EVENT ' + JSON.stringify(event));
  if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 };
  let ref = null;
  try { ref = JSON.parse(event.body).ref ?? null; } catch {}
  return { statusCode: 200, body: JSON.stringify({ route: event.requestContext.routeKey, ref }) };
};`;

const STAGE = 'local';

function route(key: string) {
  return lambdaRoute(key, 'Recorder', { twoWay: key !== '$connect' && key !== '$disconnect' });
}

function writeAssembly(): string {
  const template = {
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }], Version: '2012-10-17' } } },
      Recorder: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: RECORDER_CODE }, Handler: 'index.handler', Runtime: 'nodejs22.x', Timeout: 10, Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      // topicast's selection expression (lib/realtime-api.ts).
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Recorded', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' } },
      Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: STAGE, AutoDeploy: true } },
      ...Object.assign({}, ...ROUTE_KEYS.map(route)),
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'topicast-recorded-assembly-'));
  writeFileSync(join(dir, 'Recorded.template.json'), JSON.stringify(template));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: { Recorded: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Recorded.template.json' } } } }));
  return dir;
}

/** Every event the recorder function printed. */
const recorder = (() => {
  const invocations: Invocation[] = [];
  const waiters = new Set<{ predicate: (i: Invocation) => boolean; resolve: (i: Invocation) => void }>();
  return {
    invocations,
    line(line: string) {
      const at = line.indexOf('] EVENT ');
      if (!line.startsWith('[Recorder]') || at < 0) return;
      const event = JSON.parse(line.slice(at + '] EVENT '.length)) as GatewayEvent;
      const invocation = { handler: event.requestContext.routeKey, event };
      invocations.push(invocation);
      for (const waiter of waiters) {
        if (waiter.predicate(invocation)) {
          waiters.delete(waiter);
          waiter.resolve(invocation);
        }
      }
    },
    /** The first recorded invocation matching, waiting for it if needed. */
    find(predicate: (i: Invocation) => boolean, timeoutMs = 10_000): Promise<Invocation> {
      const found = invocations.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching invocation within ${timeoutMs} ms; recorded: ${invocations.map((i) => i.handler).join(', ')}`));
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (i: Invocation) => {
            clearTimeout(timer);
            resolve(i);
          },
        };
        waiters.add(waiter);
      });
    },
  };
})();

let runtime: LocalRuntime;
let gateway: { readonly url: string; readonly port: number; readonly connections: LocalRuntime['apis'][number]['connections'] };
const clients: WsClient[] = [];

beforeAll(async () => {
  runtime = await startLocalRuntime({ assemblyDir: writeAssembly(), port: 0, write: (line) => recorder.line(line) });
  const api = runtime.apis[0]!;
  gateway = { url: api.url, port: api.port, connections: api.connections };
  // The function's first invocation starts its process.
  const { client } = await connect();
  client.send({ action: 'ping', ref: 'warm' });
  await client.next((m) => m.ref === 'warm', 30_000);
  await closeAll(clients.splice(0));
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await runtime?.end();
});

async function connect(path = ''): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients, { path });
}

/** API Gateway's ids, e.g. `Ti835f_GEowCETQ=`: base64url of 11 bytes, padded. */
const AWS_ID = /^[A-Za-z0-9_-]{14}[AEIMQUYcgkosw048]=$/;

const ofConnection = (id: string, handler: string) => (i: Invocation) => i.event.requestContext.connectionId === id && i.handler === handler;

describe('event formatter', () => {
  const identity: GatewayIdentity = { apiId: 'abc123', stage: 'prod', domainName: 'abc123.execute-api.us-east-1.amazonaws.com' };
  const facts = { connectionId: 'L0SM9cOFvHcCIhw=', connectedAt: 1_700_000_000_000, sourceIp: '203.0.113.7', userAgent: 'wscat' };

  it('builds $connect with headers as API Gateway forwards them, multi-value headers and query, and the full request context', () => {
    // Prepare
    const request = {
      url: '/prod?token=t0k&tag=a&tag=b',
      rawHeaders: [
        'Host', 'abc123.execute-api.us-east-1.amazonaws.com',
        'Connection', 'Upgrade',
        'Upgrade', 'websocket',
        'X-Multi', 'one',
        'X-Multi', 'two',
        'Sec-WebSocket-Version', '13',
      ],
      socket: { localPort: 3001 },
    } as unknown as IncomingMessage;

    // Act
    const event = connectEvent(identity, facts, request);

    // Assess: Connection and Upgrade are consumed; the edge's X-Forwarded-* and trace id are added
    const added = {
      'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      'X-Forwarded-For': '203.0.113.7',
      'X-Forwarded-Port': '3001',
      'X-Forwarded-Proto': 'http',
    };
    expect(event.headers).toEqual({ Host: identity.domainName, 'X-Multi': 'one,two', 'Sec-WebSocket-Version': '13', ...added });
    expect(event.multiValueHeaders).toEqual({
      Host: [identity.domainName],
      'X-Multi': ['one', 'two'],
      'Sec-WebSocket-Version': ['13'],
      'X-Amzn-Trace-Id': [added['X-Amzn-Trace-Id']],
      'X-Forwarded-For': ['203.0.113.7'],
      'X-Forwarded-Port': ['3001'],
      'X-Forwarded-Proto': ['http'],
    });
    expect(event.queryStringParameters).toEqual({ token: 't0k', tag: 'b' });
    expect((event as unknown as Record<string, unknown>).multiValueQueryStringParameters).toEqual({ token: ['t0k'], tag: ['a', 'b'] });
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
    expect(event.requestContext).toEqual({
      routeKey: '$connect',
      eventType: 'CONNECT',
      connectionId: facts.connectionId,
      domainName: identity.domainName,
      stage: 'prod',
      apiId: 'abc123',
      connectedAt: facts.connectedAt,
      requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      requestTimeEpoch: expect.any(Number),
      requestId: expect.stringMatching(AWS_ID),
      extendedRequestId: event.requestContext.requestId,
      messageDirection: 'IN',
      identity: { sourceIp: '203.0.113.7', userAgent: 'wscat' },
    });
  });

  it('appends the address it saw to a client-sent X-Forwarded-For, and never passes a forged X-Forwarded-Port', () => {
    // Act
    const request = { url: '/', rawHeaders: ['X-Forwarded-For', '10.0.0.1', 'X-Forwarded-Port', '1'], socket: { localPort: 443, encrypted: true } };
    const event = connectEvent(identity, facts, request as unknown as IncomingMessage);

    // Assess
    expect(event.headers).toMatchObject({ 'X-Forwarded-For': '10.0.0.1, 203.0.113.7', 'X-Forwarded-Port': '443', 'X-Forwarded-Proto': 'https' });
  });

  it('formats requestTime as API Gateway does (CLF, UTC)', () => {
    expect(requestTime(Date.UTC(2026, 10, 28, 20, 1, 2))).toBe('28/Nov/2026:20:01:02 +0000');
    expect(requestTime(Date.UTC(2019, 0, 5, 3, 9, 7))).toBe('05/Jan/2019:03:09:07 +0000');
  });

  it('makes ids shaped like API Gateway’s: 15 URL-safe base64 characters and a pad', () => {
    // Act: enough ids that - and _ both appear (each shows in 1 of 64 characters)
    const ids = Array.from({ length: 200 }, () => apiGatewayId());

    // Assess
    for (const id of ids) expect(id).toMatch(AWS_ID);
    expect(ids.join('')).toMatch(/-/);
    expect(ids.join('')).toMatch(/_/);
  });

  it('leaves queryStringParameters out of $connect when the URL has no query', () => {
    // Act
    const event = connectEvent(identity, facts, { url: '/', rawHeaders: [], socket: {} } as unknown as IncomingMessage);

    // Assess
    expect(event).not.toHaveProperty('queryStringParameters');
  });

  it('builds a message event with the route key (join, not $join), a messageId and the body, and no headers', () => {
    // Act
    const first = messageEvent(identity, facts, 'join', '{"action":"join","topic":"room:lobby"}', false);
    const second = messageEvent(identity, facts, 'join', '{}', false);

    // Assess
    expect(first.requestContext).toMatchObject({ routeKey: 'join', eventType: 'MESSAGE', connectionId: facts.connectionId, messageDirection: 'IN', messageId: expect.any(String) });
    expect(first.body).toBe('{"action":"join","topic":"room:lobby"}');
    expect(first.isBase64Encoded).toBe(false);
    expect(first).not.toHaveProperty('headers');
    expect(first).not.toHaveProperty('queryStringParameters');
    expect(first.requestContext.messageId).not.toBe(second.requestContext.messageId);
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
  });

  it('builds $disconnect with disconnectStatusCode and disconnectReason', () => {
    // Act
    const event = disconnectEvent(identity, facts, 1001, 'Going away');

    // Assess
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      connectionId: facts.connectionId,
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
      connectedAt: facts.connectedAt,
    });
    expect(event.body).toBeUndefined();
  });

  it.each([
    ['{"action":"join","topic":"room:lobby"}', 'join'],
    ['{"action":"leave","topic":"room:lobby"}', 'leave'],
    ['{"action":"push","topic":"room:lobby","event":"e"}', 'push'],
    ['{"action":"ping"}', 'ping'],
    ['  {"action":"ping"}  ', 'ping'],
    ['not json', '$default'],
    ['', '$default'],
    ['[null,"1","room:lobby","phx_join",{}]', '$default'],
    ['{"topic":"room:lobby"}', '$default'],
    ['{"action":"dance"}', '$default'],
    ['{"action":"JOIN"}', '$default'],
    ['{"action":42}', '$default'],
    ['{"action":"$connect"}', '$default'],
    ['{"action":"$disconnect"}', '$default'],
    ['{"action":"$default"}', '$default'],
    ['"join"', '$default'],
    ['null', '$default'],
  ])('selects the route of %j as %s', (body, route) => {
    // Act and assess
    expect(selectRoute(body, new Set<string>(ROUTE_KEYS))).toBe(route);
  });
});

describe('events the handlers receive from real sockets', () => {
  it('$connect carries the handshake headers, the query, and the connection facts', async () => {
    // Act
    const client = await openClient(gateway.url, { path: '/prod?room=lobby&tag=a&tag=b', headers: { 'X-Custom': 'yes' } });
    clients.push(client);
    const id = connectionIdOf(gateway, client);

    // Assess
    const { event } = await recorder.find(ofConnection(id, '$connect'));
    expect(event.headers).toMatchObject({
      Host: `127.0.0.1:${gateway.port}`,
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': expect.any(String),
      'User-Agent': client.userAgent,
      'X-Custom': 'yes',
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Port': String(gateway.port),
      'X-Forwarded-Proto': 'http',
    });
    expect(Object.keys(event.headers ?? {}).map((name) => name.toLowerCase())).not.toContain('connection');
    expect(Object.keys(event.headers ?? {}).map((name) => name.toLowerCase())).not.toContain('upgrade');
    expect(event.multiValueHeaders).toMatchObject({ 'X-Custom': ['yes'], Host: [`127.0.0.1:${gateway.port}`] });
    expect(event.queryStringParameters).toEqual({ room: 'lobby', tag: 'b' });
    expect((event as unknown as Record<string, unknown>).multiValueQueryStringParameters).toEqual({ room: ['lobby'], tag: ['a', 'b'] });
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      connectionId: id,
      domainName: `127.0.0.1:${gateway.port}`,
      stage: 'local',
      apiId: expect.any(String),
      connectedAt: expect.any(Number),
      requestTimeEpoch: expect.any(Number),
      identity: { sourceIp: '127.0.0.1', userAgent: client.userAgent },
    });
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(event.requestContext.connectedAt);
    expect(event.requestContext.requestId).toBe(event.requestContext.extendedRequestId);
    expect(id).toMatch(AWS_ID);
  });

  it('a message event has routeKey "join", eventType MESSAGE, a fresh messageId and the frame as body', async () => {
    // Prepare
    const { client, id } = await connect();
    const connected = await recorder.find(ofConnection(id, '$connect'));
    const topic = uniqueTopic();
    const first = JSON.stringify({ action: 'join', topic, ref: 'j1' });
    const second = JSON.stringify({ action: 'ping', ref: 'p1' });

    // Act
    client.send(first);
    await client.next((m) => m.ref === 'j1');
    client.send(second);
    await client.next((m) => m.ref === 'p1');

    // Assess
    const join = await recorder.find(ofConnection(id, 'join'));
    const ping = await recorder.find(ofConnection(id, 'ping'));
    expect(join.event.body).toBe(first);
    expect(join.event.isBase64Encoded).toBe(false);
    expect(join.event.requestContext).toMatchObject({
      routeKey: 'join',
      eventType: 'MESSAGE',
      connectionId: id,
      messageId: expect.any(String),
      connectedAt: connected.event.requestContext.connectedAt,
      domainName: `127.0.0.1:${gateway.port}`,
      stage: 'local',
    });
    expect(join.event).not.toHaveProperty('headers');
    expect(ping.event.requestContext.routeKey).toBe('ping');
    expect(ping.event.requestContext.messageId).not.toBe(join.event.requestContext.messageId);
  });

  it('$disconnect carries the close code and reason the client sent', async () => {
    // Prepare
    const { client, id } = await connect();

    // Act
    await client.close(4000, 'bye now');

    // Assess
    const { event } = await recorder.find(ofConnection(id, '$disconnect'));
    expect(event.requestContext).toMatchObject({ routeKey: '$disconnect', eventType: 'DISCONNECT', connectionId: id, disconnectStatusCode: 4000, disconnectReason: 'bye now' });
    expect(event.body).toBeUndefined();
  });

  it('$disconnect runs with 1006 when the client vanishes without a close frame', async () => {
    // Prepare
    const { client, id } = await connect();

    // Act
    client.socket.terminate();

    // Assess
    const { event } = await recorder.find(ofConnection(id, '$disconnect'));
    expect(event.requestContext.disconnectStatusCode).toBe(1006);
  });

  it.each([
    { name: 'a frame over 32 KB', send: (client: WsClient) => client.send('x'.repeat(32 * 1024 + 1)) },
    {
      name: 'a message over 128 KB in 32 KB frames',
      send: (client: WsClient) => {
        for (let i = 0; i < 5; i += 1) client.socket.send('x'.repeat(i < 4 ? 32 * 1024 : 1), { fin: i === 4 });
      },
    },
  ])('$disconnect reports 1009, not 1006, after API Gateway closes the socket for $name', async ({ send }) => {
    // Prepare
    const { client, id } = await connect();

    // Act
    send(client);

    // Assess
    expect((await client.closed).code).toBe(1009);
    const { event } = await recorder.find(ofConnection(id, '$disconnect'));
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
  });

  it.each([
    { body: '{"action":"ping","ref":"x"}', route: 'ping', ref: 'x' },
    { body: '{"action":"leave","topic":"room:none","ref":"x"}', route: 'leave', ref: 'x' },
    { body: '{"action":"push","topic":"room:none","event":"e","ref":"x"}', route: 'push', ref: 'x' },
    { body: 'not json at all', route: '$default', ref: null },
    { body: '[1,2]', route: '$default', ref: null },
    { body: '{"topic":"room:lobby","ref":"x"}', route: '$default', ref: 'x' },
    { body: '{"action":"dance","ref":"x"}', route: '$default', ref: 'x' },
    { body: '{"action":"$connect","ref":"x"}', route: '$default', ref: 'x' },
    { body: '[null,"7","phoenix","heartbeat",{}]', route: '$default', ref: null },
  ])('routes $body to $route, which answers', async ({ body, route, ref }) => {
    // Prepare
    const { client, id } = await connect();

    // Act
    client.send(body);

    // Assess
    expect(await client.next(() => true)).toEqual({ route, ref });
    const invocation = await recorder.find((i) => i.event.requestContext.connectionId === id && i.event.requestContext.eventType === 'MESSAGE');
    expect(invocation.handler).toBe(route);
    expect(invocation.event.requestContext.routeKey).toBe(route);
    expect(invocation.event.body).toBe(body);
  });

  it('closes the connection with 1003 on a binary frame, as API Gateway does, and reports 1003 to $disconnect', async () => {
    // Prepare
    const { client, id } = await connect();

    // Act
    client.socket.send(Buffer.from('{"action":"ping","ref":"bin"}'));

    // Assess: no handler saw the frame; the close code reached the client and $disconnect
    expect(await client.closed).toMatchObject({ code: 1003 });
    const { event } = await recorder.find(ofConnection(id, '$disconnect'));
    expect(event.requestContext.disconnectStatusCode).toBe(1003);
    expect(recorder.invocations.filter((i) => i.event.requestContext.connectionId === id && i.event.requestContext.eventType === 'MESSAGE')).toEqual([]);
  });
});
