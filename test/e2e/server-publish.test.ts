/**
 * `topicast/server` against a local gateway, as a backend uses it: real WebSocket clients
 * (native and Phoenix V2) receive what the SDK publishes, each in its own format; batches
 * are all-or-nothing on bad input; `user:<sub>` reaches every tab of that user; presence,
 * occupancy, disconnect and disconnectUser; and the user -> connections lookup item lives
 * and dies with its connection on every path (close, 410 reaping, TTL). The gateway is what
 * `npm start` runs; the SDK is configured as a backend against it is (docs/local.md, "Local
 * identity"): the runtime's AWS endpoint for DynamoDB, the operator's credentials, and the
 * runtime's certificate trusted (`ca`) for the `https://127.0.0.1:<port>/<stage>` endpoints
 * the connection rows record.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { silentLogger } from '../../lambdas/composition/system.js';
import { LOCAL_REGION } from '../../local-runtime/assembly/local-app.js';
import { loadLocalIdentity } from '../../local-runtime/aws/local-identity.js';
import { TopicastServer, type ProtocolError } from '../../server/index.js';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, waitUntil, connectTracked } from '../support/local-gateway.js';
import { startTestGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import { recordRequests } from '../support/request-log.js';
import { getItem, queryPartition } from '../support/table-items.js';
import { jwtFor } from '../security/tokens.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const SECRET = 'server-publish-test-secret';
let gateway: RunningGateway;
let table: TestTable;
let server: TopicastServer;
/** What a backend outside the functions signs and trusts with (npm start prints them in backend-<port>.env). */
let backend: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }; ca: string };
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ env: { TOPICAST_TOKEN_SECRET: SECRET }, config: { sharding: [{ pattern: 'big:*', shards: 4 }] } });
  table = gatewayTable(gateway);
  const credentials = gateway.runtime.operatorCredentials;
  if (!credentials) throw new Error('the runtime was started without its operator role');
  backend = { credentials, ca: (await loadLocalIdentity()).certificate.cert };
  server = new TopicastServer({
    tableName: gateway.tableName,
    dynamoEndpoint: gateway.runtime.awsEndpoint,
    region: LOCAL_REGION,
    ...backend,
    // The deployment's settings, as TOPICAST_CONFIG hands them over: the gateway's (startTestGateway sends a diff per change).
    config: { sharding: [{ pattern: 'big:*', shards: 4 }], presence: { windowMs: 0 } },
    logger: silentLogger,
  });
  // Each function's first invocation starts its process: done here, not inside the tests' waits.
  await warmUp(gateway, 2, uniqueTopic());
}, 120_000);

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  await gateway?.end();
});

/** The Management API endpoint the functions record with this gateway's connections (`https://{domainName}/{stage}`). */
const recordedEndpoint = () => `https://127.0.0.1:${gateway.port}/${gateway.stage}`;

async function connect(options: { sub?: string; phoenix?: boolean } = {}): Promise<{ client: WsClient; id: string }> {
  const query = [options.sub ? `token=${await jwtFor(SECRET, { sub: options.sub })}` : '', options.phoenix ? 'vsn=2.0.0' : ''].filter(Boolean).join('&');
  return connectTracked(gateway, clients, { path: query ? `/?${query}` : '' });
}

async function joinPhoenix(client: WsClient, topic: string, joinRef: string): Promise<void> {
  client.send([joinRef, joinRef, topic, 'phx_join', {}]);
  const reply = await client.next((m) => Array.isArray(m) && m[3] === 'phx_reply' && m[1] === joinRef);
  expect(reply[4].status).toBe('ok');
}

async function refusalOf(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as ProtocolError,
  );
  if (!error) throw new Error('expected a refusal');
  return error;
}

describe('publish', () => {
  it('reaches native and Phoenix V2 subscribers, each in its own wire format', async () => {
    // Prepare
    const topic = uniqueTopic();
    const native = await connect();
    const phoenix = await connect({ phoenix: true });
    await native.client.join(topic);
    await joinPhoenix(phoenix.client, topic, '7');

    // Act
    const result = await server.publish(topic, 'order_shipped', { orderId: 42 });

    // Assess
    expect(result).toEqual({ topic, delivered: 2, gone: 0, failed: 0, queued: 0 });
    expect(await native.client.nextEvent('order_shipped')).toEqual({ topic, event: 'order_shipped', payload: { orderId: 42 } });
    // A broadcast has no refs: Phoenix clients get null join_ref and ref, as from Endpoint.broadcast.
    expect(await phoenix.client.nextEvent('order_shipped')).toEqual([null, null, topic, 'order_shipped', { orderId: 42 }]);
  });

  it('to user:<sub> reaches every connection of that user that joined it, and nobody else', async () => {
    // Prepare
    const tabOne = await connect({ sub: 'alice' });
    const tabTwo = await connect({ sub: 'alice' });
    const bob = await connect({ sub: 'bob' });
    await tabOne.client.join('user:alice');
    await tabTwo.client.join('user:alice');
    await bob.client.join('user:bob');

    // Act
    const result = await server.publish('user:alice', 'job_finished', { job: 'export' });

    // Assess
    expect(result.delivered).toBe(2);
    await tabOne.client.nextEvent('job_finished');
    await tabTwo.client.nextEvent('job_finished');
    await bob.client.ping();
    expect(bob.client.messages.some((m) => (m as { event?: string }).event === 'job_finished')).toBe(false);
  });

  it('reads every shard of a sharded topic', async () => {
    // Prepare
    const topic = uniqueTopic('big');
    const subscribers = await Promise.all(Array.from({ length: 6 }, () => connect()));
    for (const { client } of subscribers) await client.join(topic);

    // Act
    const result = await server.publish(topic, 'tick');

    // Assess
    expect(result.delivered).toBe(6);
    for (const { client } of subscribers) expect(await client.nextEvent('tick')).toEqual({ topic, event: 'tick', payload: {} });
  });

  it('reports and reaps a subscriber whose socket is gone (410), announcing its presence leave', async () => {
    // Prepare: a subscription whose connection the gateway does not know (as after a lost $disconnect).
    const topic = uniqueTopic();
    const live = await connect();
    await live.client.join(topic);
    const store = new DynamoRealtimeStore(table.documentClient, table.tableName);
    const ghost = 'GhostConnAAAAA=';
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    await store.putConnection({ connectionId: ghost, endpoint: recordedEndpoint(), identity: { sub: 'ghost', claims: {} }, format: 'native', connectedAt: Date.now(), expiresAt });
    await store.putSubscription({ topic, connectionId: ghost, endpoint: recordedEndpoint(), format: 'native', joinRef: null, presenceKey: 'ghost', meta: { phx_ref: 'g1' }, expiresAt }, 1);

    // Act
    const result = await server.publish(topic, 'shout', { n: 1 });

    // Assess
    expect(result).toMatchObject({ delivered: 1, gone: 1 });
    const diff = await live.client.nextEvent('presence_diff', (m) => m.payload.leaves.ghost !== undefined);
    expect(diff.payload.leaves.ghost.metas[0].phx_ref).toBe('g1');
    expect(await queryPartition(table, `c#${ghost}`)).toEqual([]);
    expect(await queryPartition(table, 'u#ghost')).toEqual([]);
  });

  it('refuses bad input with a stable reason and delivers nothing', async () => {
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);
    await client.nextEvent('presence_state');
    const mark = client.mark();

    expect((await refusalOf(server.publish('', 'x'))).reason).toBe('invalid_topic');
    expect((await refusalOf(server.publish(topic, 'phx_reply'))).reason).toBe('reserved_event');
    expect((await refusalOf(server.publish(topic, 'presence_diff'))).reason).toBe('reserved_event');
    expect((await refusalOf(server.publish(topic, ''))).reason).toBe('invalid_event');
    expect((await refusalOf(server.publish(topic, 'big', { text: 'x'.repeat(128 * 1024) }))).reason).toBe('payload_too_large');
    expect((await refusalOf(server.publish(topic, 'big', { n: 10n }))).reason).toBe('invalid_request');

    await client.ping();
    // Only the ping's reply arrived.
    expect(client.framesSince(mark).map((m) => (m as { event?: string }).event)).toEqual(['phx_reply']);
  });
});

describe('publishBatch', () => {
  it('delivers up to 25 messages, results in order, one topic in order', async () => {
    // Prepare
    const [a, b] = [uniqueTopic(), uniqueTopic()];
    const { client } = await connect();
    await client.join(a);
    await client.join(b);
    const messages = Array.from({ length: 25 }, (_, n) => ({ topic: n % 2 === 0 ? a : b, event: 'n', payload: { n } }));

    // Act
    const results = await server.publishBatch(messages);

    // Assess
    expect(results.map((r) => [r.topic, r.delivered])).toEqual(messages.map((m) => [m.topic, 1]));
    const received: number[] = [];
    for (let i = 0; i < 25; i += 1) received.push((await client.nextEvent('n')).payload.n);
    expect(received.filter((n) => n % 2 === 0)).toEqual(messages.map((m) => m.payload.n).filter((n) => n % 2 === 0));
    expect(received.filter((n) => n % 2 === 1)).toEqual(messages.map((m) => m.payload.n).filter((n) => n % 2 === 1));
  });

  it('refuses 26 messages, or one bad message among good ones, and delivers none of them', async () => {
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);
    const mark = client.mark();

    const tooMany = await refusalOf(server.publishBatch(Array.from({ length: 26 }, () => ({ topic, event: 'n', payload: {} }))));
    const oneBad = await refusalOf(server.publishBatch([{ topic, event: 'n', payload: {} }, { topic, event: 'phx_join', payload: {} }]));

    expect(tooMany.reason).toBe('too_many_messages');
    expect(oneBad.reason).toBe('reserved_event');
    expect(oneBad.message).toMatch(/^messages\[1\]: /);
    await client.ping();
    expect(client.framesSince(mark).filter((m) => (m as { event?: string }).event === 'n')).toEqual([]);
  });
});

describe('presence and occupancy', () => {
  it('answer the topic presence in Phoenix shape and the counts', async () => {
    // Prepare
    const topic = uniqueTopic();
    const tabOne = await connect({ sub: 'carol' });
    const tabTwo = await connect({ sub: 'carol' });
    const anonymous = await connect();
    await tabOne.client.join(topic, { meta: { device: 'phone' } });
    await tabTwo.client.join(topic, { meta: { device: 'laptop' } });
    await anonymous.client.join(topic);

    // Act
    const presence = await server.presence(topic);
    const occupancy = await server.occupancy(topic);

    // Assess
    expect(Object.keys(presence).sort()).toEqual(['carol', anonymous.id].sort());
    expect(presence.carol?.metas.map((m) => m.device).sort()).toEqual(['laptop', 'phone']);
    expect(occupancy).toEqual({ topic, subscribers: 3, presence: 2 });
    expect(await server.occupancy(uniqueTopic())).toMatchObject({ subscribers: 0, presence: 0 });
  });
});

describe('disconnect and disconnectUser', () => {
  it('disconnect closes the socket; $disconnect removes its items and announces the leave', async () => {
    // Prepare
    const topic = uniqueTopic();
    const watcher = await connect();
    const target = await connect({ sub: 'dave' });
    await watcher.client.join(topic);
    await target.client.join(topic);

    // Act
    const result = await server.disconnect(target.id);

    // Assess
    expect(result).toEqual({ closed: 1, gone: 0 });
    expect((await target.client.closed).code).toBe(1000);
    await watcher.client.nextEvent('presence_diff', (m) => m.payload.leaves.dave !== undefined);
    await waitUntil(async () => (await queryPartition(table, `c#${target.id}`)).length === 0, 'the connection items are gone');
    expect(await queryPartition(table, 'u#dave')).toEqual([]);
    expect(await server.disconnect(target.id)).toEqual({ closed: 0, gone: 1 });
  });

  it('disconnectUser closes every connection of that user and no other', async () => {
    // Prepare
    const tabs = [await connect({ sub: 'erin' }), await connect({ sub: 'erin' })];
    const other = await connect({ sub: 'frank' });
    const anonymous = await connect();

    // Act
    const result = await server.disconnectUser('erin');

    // Assess
    expect(result).toEqual({ closed: 2, gone: 0 });
    for (const { client } of tabs) expect((await client.closed).code).toBe(1000);
    await waitUntil(async () => (await queryPartition(table, 'u#erin')).length === 0, 'the lookup items are gone');
    expect(other.client.isOpen && anonymous.client.isOpen).toBe(true);
    expect(await server.disconnectUser('nobody')).toEqual({ closed: 0, gone: 0 });
  });

  it('disconnectUser removes lookup items whose connections are gone, with their connections', async () => {
    // Prepare: a lookup item and connection left behind by a lost $disconnect.
    const store = new DynamoRealtimeStore(table.documentClient, table.tableName);
    const ghost = 'GhostConnBBBBB=';
    await store.putConnection({ connectionId: ghost, endpoint: recordedEndpoint(), identity: { sub: 'gina', claims: {} }, format: 'native', connectedAt: Date.now(), expiresAt: Math.floor(Date.now() / 1000) + 600 });

    // Act
    const result = await server.disconnectUser('gina');

    // Assess
    expect(result).toEqual({ closed: 0, gone: 1 });
    expect(await queryPartition(table, 'u#gina')).toEqual([]);
    expect(await queryPartition(table, `c#${ghost}`)).toEqual([]);
  });

  it('refuses ids that are not strings or would change the Management API path', async () => {
    expect((await refusalOf(server.disconnect('a/b'))).reason).toBe('invalid_request');
    expect((await refusalOf(server.disconnectUser(''))).reason).toBe('invalid_request');
  });
});

describe('the user -> connections lookup item', () => {
  it('is written at connect with the connection TTL, only for authenticated connections', async () => {
    const { id } = await connect({ sub: 'hank' });
    await connect();

    const item = await getItem(table, { pk: 'u#hank', sk: `c#${id}` });
    const connection = await getItem(table, { pk: `c#${id}`, sk: 'c' });
    expect(item).toMatchObject({ endpoint: recordedEndpoint(), expiresAt: connection?.expiresAt });
  });

  it('goes when the client closes', async () => {
    const { client, id } = await connect({ sub: 'ivan' });
    await client.close();
    await waitUntil(async () => (await getItem(table, { pk: 'u#ivan', sk: `c#${id}` })) === undefined, 'the lookup item is gone');
  });

  it('goes when TTL expires the connection', async () => {
    const { client, id } = await connect({ sub: 'judy' });
    await gateway.sweep(Math.floor(Date.now() / 1000) + 24 * 3600);
    expect(await getItem(table, { pk: 'u#judy', sk: `c#${id}` })).toBeUndefined();
    await client.close();
  });
});

describe('cost', () => {
  it('one publish to one subscriber costs one DynamoDB request (a Query of the topic)', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);
    const counted = new TopicastServer({ tableName: gateway.tableName, documentClient: table.documentClient, region: LOCAL_REGION, ...backend, logger: silentLogger });
    const log = recordRequests(table.documentClient);

    // Act
    const result = await counted.publish(topic, 'count');

    // Assess
    expect(result.delivered).toBe(1);
    expect(log.names).toEqual(['QueryCommand']);
  });
});
