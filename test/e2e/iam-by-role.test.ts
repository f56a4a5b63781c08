/**
 * Every AWS call each function makes, allowed by that function's role in the synthesized
 * template. Nothing here lists what a function "should" call: the calls are recorded while
 * the real handlers run scenarios through the local gateway (and the deployed composition
 * of the publish function and the `topicast/server` SDK), each attributed to the function
 * whose invocation made it. Each is then turned into the authorization IAM makes
 * (local-runtime/iam: `dynamodb:*` with `dynamodb:LeadingKeys`, `execute-api:ManageConnections`
 * on method and path, `lambda:InvokeFunction`, `events:PutEvents`) and evaluated against the
 * role's policies from Template.fromStack by @cloud-copilot/iam-simulate.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealtimeApi, type RealtimeFunctionName } from '../../lib/realtime-api.js';
import { signChannel } from '../../lambdas/core/pusher/channel-auth.js';
import { startGateway, type RunningGateway } from '../../local-gateway/gateway.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local-gateway/dynamodb.js';
import { runInvocation } from '../../local-gateway/invocation-context.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { serverOperations } from '../../lambdas/composition/environment/server.js';
import type { TopicastConfigInput } from '../../lambdas/core/config.js';
import { presenceStreamReaders } from '../../lambdas/core/presence-readers.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import type { ServerOperations } from '../../lambdas/core/use-cases/server-operations.js';
import {
  dynamoDbRequests,
  invokeFunctionRequest,
  manageConnectionsRequest,
  putEventsRequest,
  roleOfFunction,
  rolePolicies,
  RolePolicyEvaluator,
  syntheticResolver,
  type IamRequest,
  type TemplateResolver,
} from '../../local-runtime/iam/index.js';
import { recordAwsCalls, type AwsCallRecorder, type RecordedCall } from '../support/aws-call-recorder.js';
import { logicalIdOf, newApp } from '../infra/helpers.js';
import { waitUntil } from '../support/local-gateway.js';
import { jwtFor } from '../security/tokens.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';
import Pusher from 'pusher';
import { servePusherApi } from '../../lambdas/handlers/pusher-api.js';
import { connectionIdOfSocketId, socketIdOf } from '../../lambdas/core/pusher/socket-id.js';
import { deliverPusherWebhook } from '../../lambdas/core/use-cases/pusher-webhook.js';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const STAGE = 'prod';
const SECRET = 'iam-by-role-secret';
const PUSHER = { appId: 'iam-app', key: 'iam-key', secret: 'iam-pusher-secret' } as const;
const CHANNEL = fileURLToPath(new URL('../support/fixtures/kv-channel.ts', import.meta.url));

/**
 * One configuration for the gateway and the construct, chosen to reach every code path:
 * `room:*` coalesced by the presence function and capped at 2 members (the occupancy item),
 * `now:*` announced by the route functions themselves (window 0); fan-out workers from 3
 * subscribers; history on both; lifecycle events (occupancy markers, PutEvents).
 */
const CONFIG = {
  auth: 'optional',
  presence: { windowMs: 1000, maxMembers: 2, graceMs: 1000, topics: [{ pattern: 'now:*', windowMs: 0 }] },
  fanout: { workerThreshold: 2, workerBatchSize: 2 },
  history: { 'room:*': { maxMessages: 10 }, 'now:*': { maxMessages: 10 } },
} satisfies TopicastConfigInput;

/** Who made a call: a local function's name, or the label a scenario ran the deployed composition under. */
const PUBLISH_FUNCTION = 'publish-function';
const PUSHER_FUNCTION = 'pusher-function';
const PUSHER_WEBHOOKS_FUNCTION = 'pusher-webhooks-function';
const SDK_GRANTEE = 'grant-publish-grantee';

let gateway: RunningGateway;
let recorder: AwsCallRecorder;
let template: ReturnType<Template['toJSON']>;
let api: RealtimeApi;
let publisherRole: iam.Role;
let resolver: TemplateResolver;
let lambdaStub: Server;
let lambdaStubHost: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  const stack = new Stack(newApp({ bundling: false }), 'IamByRole', { env: { account: ACCOUNT, region: REGION } });
  // The `pusher` prop: the WebSocket side ($connect greets through the worker, $default
  // verifies channel auth), Pusher's HTTP API function and the webhook function.
  api = new RealtimeApi(stack, 'Realtime', {
    ...CONFIG,
    lifecycleEvents: true,
    channels: [CHANNEL],
    createAccountCloudWatchRole: false,
    dashboard: false,
    pusher: { appId: PUSHER.appId, key: PUSHER.key, webhooks: { url: 'https://backend.example.com/hooks' } },
  });
  publisherRole = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  api.grantPublish(publisherRole);
  template = Template.fromStack(stack).toJSON();
  resolver = syntheticResolver(template, { account: ACCOUNT, region: REGION });

  // Lambda's Invoke API for the deployed publishers' big topics: accepted (202), not run.
  lambdaStub = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(202).end());
  });
  await new Promise<void>((resolve) => lambdaStub.listen(0, '127.0.0.1', resolve));
  lambdaStubHost = `127.0.0.1:${(lambdaStub.address() as AddressInfo).port}`;

  gateway = await startGateway({
    port: 0,
    quiet: true,
    stage: STAGE,
    env: { TOPICAST_TOKEN_SECRET: SECRET, TOPICAST_PUSHER_APP_ID: PUSHER.appId, TOPICAST_PUSHER_KEY: PUSHER.key, TOPICAST_PUSHER_SECRET: PUSHER.secret },
    config: { ...CONFIG, lifecycleEvents: true },
    channels: [CHANNEL],
  });
  recorder = recordAwsCalls([gateway.documentClient]);
  await runScenarios();
  recorder.stop();
});

afterAll(async () => {
  recorder?.stop();
  await closeAll(clients.splice(0));
  await gateway?.end();
  await new Promise((resolve) => lambdaStub?.close(resolve));
});

// ---------------------------------------------------------------------------------------
// Scenarios: every route, the fan-out worker, both presence readers, the publish function
// and the SDK, including the reaping of connections that answer 410 Gone.

async function connect(options: { sub?: string; phoenix?: boolean } = {}): Promise<WsClient> {
  const query = [options.sub ? `token=${await jwtFor(SECRET, { sub: options.sub })}` : '', options.phoenix ? 'vsn=2.0.0' : ''].filter(Boolean).join('&');
  const client = await openClient(`${gateway.url}/${STAGE}`, { path: query ? `/?${query}` : '' });
  clients.push(client);
  return client;
}

function idOf(client: WsClient): string {
  const connection = [...gateway.connections.all()].find((c) => c.userAgent === client.userAgent);
  if (!connection) throw new Error('no such connection');
  return connection.connectionId;
}

let ghosts = 0;
/** A connection whose socket vanished without `$disconnect` (410 Gone), written by a client no function uses. */
async function ghostIn(topics: readonly string[], sub?: string, lifetimeSeconds = 7500): Promise<string> {
  ghosts += 1;
  const id = `Ghost${String(ghosts).padStart(10, '0')}=`;
  const store = new DynamoRealtimeStore(outsideClient(), gateway.tableName);
  const expiresAt = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const identity = sub ? { sub, claims: { sub } } : null;
  await store.putConnection({ connectionId: id, endpoint: gateway.managementEndpoint, identity, format: 'native', connectedAt: Date.now(), expiresAt });
  for (const topic of topics) {
    await store.putSubscription({ topic, connectionId: id, endpoint: gateway.managementEndpoint, format: 'native', joinRef: null, presenceKey: id, meta: { phx_ref: `ghost-${topic}` }, expiresAt }, 1);
  }
  return id;
}

function outsideClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: gateway.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), { marshallOptions: { removeUndefinedValues: true } });
}

async function gone(id: string): Promise<void> {
  const store = new DynamoRealtimeStore(outsideClient(), gateway.tableName);
  await waitUntil(async () => (await store.getConnectionState(id)).connection === null, `${id} is removed`);
}

async function runScenarios(): Promise<void> {
  // $connect: anonymous, and with a token (the user's lookup item)
  const anon = await connect();
  const alice = await connect({ sub: 'alice' });
  const alice2 = await connect({ sub: 'alice' });
  const phoenix = await connect({ sub: 'bob', phoenix: true });

  // join: a channel module's topic (kv), coalesced and capped presence, history
  const room = 'room:big';
  const ghostOfRoom = await ghostIn([room]);
  for (const client of [anon, alice, alice2]) await client.join(room, { meta: { n: 1 } });
  // $default: Phoenix V2 frames are a join, a push, a heartbeat and a leave
  phoenix.send(['1', '1', room, 'phx_join', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '1' && m[3] === 'phx_reply');

  // push: through the module (kv append, broadcast with history) to 5 subscribers: fan-out
  // workers, which meet the ghost and reap it (and run the module's leave)
  await anon.request({ action: 'push', topic: room, event: 'shout', payload: { n: 1 } });
  await gone(ghostOfRoom);
  phoenix.send(['1', '2', room, 'shout', { n: 2 }]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '2' && m[3] === 'phx_reply');
  phoenix.send([null, '3', 'phoenix', 'heartbeat', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '3');

  // window 0: the route functions announce presence themselves; a small topic's push is
  // delivered inline, meets a ghost and reaps it
  const now = 'now:small';
  await anon.join(now, { meta: { n: 2 } });
  const ghostOfNow = await ghostIn([now], 'carol');
  await anon.request({ action: 'push', topic: now, event: 'tick', payload: {} });
  await gone(ghostOfNow);
  // replay on join (history read)
  await alice.join(now, { since: 0 });

  // the presence functions: coalesced diffs, the cap's occupancy item, lifecycle markers and
  // events; a ghost in a coalesced topic answers 410 to the diff and is reaped there
  const presenceGhost = await ghostIn(['room:haunted']);
  await alice.join('room:haunted', { meta: { n: 3 } });
  await gateway.flushPresence();
  await gateway.flushPresence();
  await gone(presenceGhost);
  // TTL deletes an expired member of a window-0 topic: only the stream sees it, and the
  // window-0 reader announces its leave
  await anon.join('now:expiring');
  const expired = await ghostIn(['now:expiring'], undefined, -60);
  expect(await gateway.sweep()).toMatchObject({ connections: 1 });
  await gateway.flushPresence();
  await anon.nextEvent('presence_diff', (m) => m.topic === 'now:expiring' && m.payload.leaves[expired] !== undefined);

  // a Pusher client: $connect hands its greeting to the worker, which posts it; $default
  // verifies a private and a presence subscribe, relays a client event, answers a ping
  await pusherScenario();

  // leave (the module's leave), ping
  await anon.request({ action: 'leave', topic: room });
  phoenix.send(['1', '4', room, 'phx_leave', {}]);
  await phoenix.next((m) => Array.isArray(m) && m[1] === '4');
  await anon.ping();

  // presence across a reconnect: a named member's $disconnect holds its row and its rejoin
  // takes it over (the member record, the takeover); a member that does not come back is
  // released by the grace function when its timer fires
  const dave = await connect({ sub: 'dave' });
  await dave.join('grace:a', { meta: { n: 4 }, member: 'member-dave-0123456789' });
  const daveId = idOf(dave);
  dave.socket.terminate();
  await gone(daveId);
  const daveAgain = await connect({ sub: 'dave' });
  await daveAgain.join('grace:a', { meta: { n: 4 }, member: 'member-dave-0123456789' });
  const erin = await connect({ sub: 'erin' });
  await erin.join('grace:a', { meta: { n: 5 }, member: 'member-erin-0123456789' });
  const erinId = idOf(erin);
  erin.socket.terminate();
  await gone(erinId);
  await waitUntil(() => awsCalls().filter((call) => call.caller === 'topicast-presence-grace').length >= 4, 'the grace timers fired', 10_000);

  // $disconnect (the module's leave, window-0 leaves)
  const aliceId = idOf(alice);
  await alice.close();
  await gone(aliceId);

  // the publish function and a grantPublish grantee: the deployed composition
  for (const caller of [PUBLISH_FUNCTION, SDK_GRANTEE]) {
    const operations = deployedServerOperations();
    await runInvocation({ functionName: caller, requestId: caller }, () => serverScenario(operations, anon, caller));
  }
  // Pusher's HTTP API function and the webhook function: the deployed composition too
  await runInvocation({ functionName: PUSHER_FUNCTION, requestId: PUSHER_FUNCTION }, () => pusherHttpScenario(deployedServerOperations({ channelIndex: true })));
  await runInvocation({ functionName: PUSHER_WEBHOOKS_FUNCTION, requestId: PUSHER_WEBHOOKS_FUNCTION }, () => webhookScenario(deployedServerOperations()));
  await gateway.flushPresence();
  await closeAll(clients.splice(0));
  await waitUntil(() => gateway.connections.size === 0, 'every socket closed');
  await gateway.flushPresence();
}

async function pusherScenario(): Promise<void> {
  const pusherClient = async () => {
    const client = await openClient(gateway.url, { path: `/app/${PUSHER.key}?protocol=7&client=js&version=8.6.0&flash=false` });
    clients.push(client);
    const established = await client.next((m) => m.event === 'pusher:connection_established');
    return { client, socketId: (JSON.parse(established.data as string) as { socket_id: string }).socket_id };
  };
  const [first, second] = [await pusherClient(), await pusherClient()];
  for (const { client, socketId } of [first, second]) {
    client.send({ event: 'pusher:subscribe', data: { channel: 'private-iam', auth: `${PUSHER.key}:${signChannel(PUSHER, socketId, 'private-iam')}` } });
    await client.next((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === 'private-iam');
    const channelData = JSON.stringify({ user_id: `u-${socketId}` });
    client.send({ event: 'pusher:subscribe', data: { channel: 'presence-now-iam', auth: `${PUSHER.key}:${signChannel(PUSHER, socketId, 'presence-now-iam', channelData)}`, channel_data: channelData } });
    await client.next((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === 'presence-now-iam');
  }
  first.client.send({ event: 'client-hi', channel: 'private-iam', data: {} });
  await second.client.next((m) => m.event === 'client-hi');
  first.client.send({ event: 'pusher:ping', data: {} });
  await first.client.next((m) => m.event === 'pusher:pong');
  first.client.send({ event: 'pusher:unsubscribe', data: { channel: 'presence-now-iam' } });
  const removed = second.client.next((m) => m.event === 'pusher_internal:member_removed');
  // Presence on this topic is coalesced: the presence function announces the leave.
  await waitUntil(async () => {
    await gateway.flushPresence();
    return second.client.messages.some((m) => (m as { event?: string }).event === 'pusher_internal:member_removed');
  }, 'the presence function announced the Pusher member\'s leave');
  await removed;
}

/** What lambdas/handlers/publish.ts and `topicast/server` build, with a recorded DynamoDB client. */
function deployedServerOperations(options: { channelIndex?: boolean } = {}): ServerOperations {
  const documentClient = outsideClient();
  recorder.watch(documentClient);
  return serverOperations(
    {
      tableName: gateway.tableName,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      config: { ...CONFIG, lifecycleEvents: true },
      fanoutFunction: 'fanout-worker',
      documentClient,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      // As lambdas/handlers/pusher.ts composes it.
      ...(options.channelIndex === true ? { channelIndex: true } : {}),
    },
    { AWS_ENDPOINT_URL_LAMBDA: `http://${lambdaStubHost}` },
  );
}

async function serverScenario(operations: ServerOperations, live: WsClient, label: string): Promise<void> {
  const topic = `now:server-${label}`;
  await live.join(topic);
  const ghost = await ghostIn([topic], 'dave');
  // publish to a small topic: inline posts, the ghost reaped; to a big one: the worker invoked
  await operations.publish(topic, 'news', { n: 1 });
  await gone(ghost);
  const big = `now:big-${label}`;
  for (const client of [live, await connect(), await connect()]) await client.join(big);
  await operations.publish(big, 'news', { n: 2 });
  await operations.presence('room:big');
  await operations.occupancy('room:big');
  await operations.history('room:big');
  // disconnect: a gone connection is reaped; a live one is closed (DELETE @connections)
  await operations.disconnect(await ghostIn([topic]));
  const extra = await connect({ sub: `erin-${label}` });
  const extraId = idOf(extra);
  await operations.disconnect(extraId);
  await extra.closed;
  const other = await connect({ sub: `frank-${label}` });
  await operations.disconnectUser(`frank-${label}`);
  await other.closed;
  await ghostIn([], `gina-${label}`).then(() => operations.disconnectUser(`gina-${label}`));
}

/** Every endpoint of Pusher's HTTP API, signed as the `pusher` SDK signs, through lambdas/handlers/pusher-api.ts. */
async function pusherHttpScenario(operations: ServerOperations): Promise<void> {
  // presence- and private- topics take authenticated native connections only.
  const live = await connect({ sub: 'iam-pusher-member' });
  const channel = 'presence-iam';
  await live.join(channel);
  const ghost = await ghostIn([channel], 'hank');
  const signer = new Pusher({ ...PUSHER, host: 'unused', useTLS: true });
  const call = async (method: 'GET' | 'POST', subPath: string, body?: unknown, params?: Record<string, string>) => {
    const path = `/apps/${PUSHER.appId}${subPath}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const query = signer.createSignedQueryString({ method, path, ...(text ? { body: text } : {}), ...(params ? { params } : {}) });
    const answer = await servePusherApi(
      { operations, app: async () => PUSHER, connectionIdOfSocketId, limits: { maxJsonDepth: 32 }, clock: { nowMs: () => Date.now() }, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } },
      { method, path, query, body: text },
    );
    expect(answer.status, `${method} ${subPath}: ${JSON.stringify(answer.body)}`).toBe(200);
  };
  await call('POST', '/events', { name: 'news', data: '{"n":1}', channels: [channel], socket_id: socketIdOf(idOf(live)), info: 'subscription_count,user_count' });
  await gone(ghost);
  // A channel over the worker threshold: the fan-out worker is invoked.
  const big = 'presence-iam-big';
  for (const client of [live, await connect({ sub: 'iam-big-1' }), await connect({ sub: 'iam-big-2' })]) await client.join(big);
  await call('POST', '/batch_events', { batch: [{ name: 'a', channel, data: '{}' }, { name: 'b', channel: big, data: '{}' }] });
  await call('GET', `/channels/${channel}`, undefined, { info: 'subscription_count,user_count' });
  await call('GET', `/channels/${channel}/users`);
  // GET /channels: the channel index (Query x#), each entry checked (Query t#), vacant ones removed (DeleteItem x#)
  await call('GET', '/channels');
  await call('GET', '/channels', undefined, { filter_by_prefix: 'presence-', info: 'user_count' });
  const other = await connect({ sub: 'ivan' });
  await call('POST', '/users/ivan/terminate_connections', {});
  await other.closed;
}

/** A member_added webhook (which reads the user's other connections on the channel) and an occupancy one. */
async function webhookScenario(operations: ServerOperations): Promise<void> {
  const live = await connect({ sub: 'iam-webhook-member' });
  const channel = 'presence-webhook-iam';
  await live.join(channel);
  const deps = {
    app: async () => PUSHER,
    url: 'https://backend.example.com/hooks',
    // The receiver is the user's backend, not AWS: nothing of it is authorized by the role.
    sender: { post: async () => 200 },
    connectionsOfMember: (topic: string, key: string) => operations.connectionsOfMember(topic, key),
  };
  const sent = await deliverPusherWebhook(deps, { detailType: 'joined', detail: { topic: channel, connectionId: idOf(live), presence: { key: 'iam-webhook-member' } }, timeMs: Date.now() });
  expect(sent).toEqual({ name: 'member_added', channel, user_id: 'iam-webhook-member' });
  await deliverPusherWebhook(deps, { detailType: 'occupied', detail: { topic: channel }, timeMs: Date.now() });
}

// ---------------------------------------------------------------------------------------

/** The role whose policies decide each recorded caller's calls. */
function roleOfCaller(caller: string): string {
  const functionNamed = (name: RealtimeFunctionName | 'grantee') => {
    if (name === 'grantee') return logicalIdOf(publisherRole);
    return roleOfFunction(template, logicalIdOf(functionOf(name)));
  };
  if (caller === SDK_GRANTEE) return functionNamed('grantee');
  if (caller === PUBLISH_FUNCTION) return functionNamed('publish');
  if (caller === PUSHER_FUNCTION) return roleOfFunction(template, logicalIdOf(api.pusherFunction!));
  if (caller === PUSHER_WEBHOOKS_FUNCTION) return roleOfFunction(template, logicalIdOf(api.pusherWebhookFunction!));
  const presence = /^topicast-presence-(\d+)s$/.exec(caller);
  if (presence) {
    const index = presenceStreamReaders(resolveConfig(CONFIG).presence).findIndex((reader) => reader.windowSeconds === Number(presence[1]));
    return roleOfFunction(template, logicalIdOf(api.presenceFunctions[index]!));
  }
  const route = caller.replace(/^topicast-/, '');
  const name = (route === 'fanout-worker' ? route : ['connect', 'disconnect', 'default'].includes(route) ? `$${route}` : route) as RealtimeFunctionName;
  return functionNamed(name);
}

function functionOf(name: RealtimeFunctionName) {
  if (name === 'fanout-worker') return api.fanoutWorker;
  if (name === 'publish') return api.publishFunction;
  if (name === 'presence') throw new Error('presence functions are chosen by window');
  if (name === 'presence-grace') return api.presenceGraceFunction;
  return api.functions[name];
}

function logicalIdWhere(type: string, pathPart: string): string {
  const found = Object.entries(template.Resources as Record<string, { Type: string }>).filter(([id, resource]) => resource.Type === type && id.includes(pathPart));
  if (found.length !== 1) throw new Error(`expected one ${type} named like ${pathPart}, found ${found.map(([id]) => id).join(', ')}`);
  return found[0]![0];
}

/** The authorizations IAM makes for one recorded call. */
function requestsFor(call: RecordedCall): IamRequest[] {
  const tableArn = resolver.getAtt(logicalIdOf(api.table), 'Arn');
  const workerArn = resolver.getAtt(logicalIdOf(api.fanoutWorker), 'Arn');
  switch (call.kind) {
    case 'dynamodb':
      expect(call.input.TableName ?? Object.keys(call.input.RequestItems as object)[0]).toBe(gateway.tableName);
      return dynamoDbRequests(call.operation, call.input, { arnOf: () => tableArn, partitionKeyOf: () => TABLE_SCHEMA.partitionKey });
    case 'lambda-invoke':
      return [invokeFunctionRequest(workerArn)];
    case 'http': {
      const gatewayHost = `127.0.0.1:${gateway.port}`;
      const connection = /^\/([^/]+)\/@connections\/([^/?]+)/.exec(call.path);
      if (call.host === gatewayHost && connection) {
        const apiId = resolver.ref(logicalIdOf(api.webSocketApi));
        return [manageConnectionsRequest({ region: REGION, account: ACCOUNT, apiId, stage: connection[1]! }, call.method, decodeURIComponent(connection[2]!))];
      }
      if (call.host === gatewayHost && call.target === 'AWSEvents.PutEvents') return [putEventsRequest(resolver.getAtt(logicalIdWhere('AWS::Events::EventBus', 'LifecycleEvents'), 'Arn'))];
      if (call.host === lambdaStubHost && /^\/2015-03-31\/functions\/[^/]+\/invocations/.test(call.path)) return [invokeFunctionRequest(workerArn)];
      throw new Error(`a call the test cannot classify: ${JSON.stringify(call)}`);
    }
  }
}

/** The calls not to DynamoDB over HTTP (those are recorded by the middleware, with their input). */
function awsCalls(): RecordedCall[] {
  const dynamoHost = new URL(gateway.dynamoEndpoint).host;
  return recorder.calls.filter((call) => !(call.kind === 'http' && call.host === dynamoHost));
}

/** `dynamodb:UpdateItem c#` and the like: what a role must allow, without the variable part of the key. */
function summary(request: IamRequest): string {
  const leading = request.context?.['dynamodb:LeadingKeys'];
  const prefixes = leading === undefined ? '' : ` ${[...new Set([leading].flat().map((key) => /^[a-z]+#/.exec(key)?.[0] ?? key))].sort().join('+')}`;
  const method = /execute-api:.*\/([A-Z]+)\/@connections/.exec(request.resource)?.[1];
  return `${request.action}${prefixes}${method ? ` ${method}` : ''}`;
}

const CALLERS = [
  'topicast-connect',
  'topicast-disconnect',
  'topicast-join',
  'topicast-leave',
  'topicast-push',
  'topicast-ping',
  'topicast-default',
  'topicast-fanout-worker',
  'topicast-presence-1s',
  'topicast-presence-0s',
  'topicast-presence-grace',
  PUBLISH_FUNCTION,
  SDK_GRANTEE,
  PUSHER_FUNCTION,
  PUSHER_WEBHOOKS_FUNCTION,
];

describe('IAM: every call a function makes is allowed by its role in the synthesized template', () => {
  it('attributes every call to a function', () => {
    const unattributed = awsCalls().filter((call) => call.caller === undefined);
    expect(unattributed).toEqual([]);
    expect(new Set(awsCalls().map((call) => call.caller))).toEqual(new Set(CALLERS.filter((caller) => caller !== 'topicast-ping')));
  });

  it('sees $connect invoke the worker: a Pusher client\'s greeting', () => {
    expect(awsCalls().filter((call) => call.caller === 'topicast-connect' && call.kind === 'lambda-invoke')).toHaveLength(2);
  });

  it.each(CALLERS)('%s', async (caller) => {
    const calls = awsCalls().filter((call) => call.caller === caller);
    if (caller === 'topicast-ping') {
      // The ping route touches nothing, and is deployed without table or Management API access.
      expect(calls).toEqual([]);
      return;
    }
    const role = roleOfCaller(caller);
    const evaluator = new RolePolicyEvaluator(rolePolicies(template, role, resolver), resolver.getAtt(role, 'Arn'));
    const denied = new Set<string>();
    const made = new Set<string>();
    for (const call of calls) {
      for (const request of requestsFor(call)) {
        made.add(summary(request));
        if (!(await evaluator.evaluate(request)).allowed) denied.add(`${summary(request)} (${JSON.stringify(request.context ?? {})})`);
      }
    }
    console.log(`[${caller}] role ${role}: ${[...made].sort().join(', ')}`);
    expect([...denied]).toEqual([]);
  });
});
