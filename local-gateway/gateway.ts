/**
 * The local API Gateway WebSocket emulator. It accepts WebSockets on any path, runs
 * `$connect` before completing the handshake (a non-2xx status fails it with that
 * status), selects routes on `action`, returns two-way route responses, runs
 * `$disconnect` on every close, and enforces API Gateway's limits: 32 KB frames and
 * 128 KB messages (close 1009), no binary frames (close 1003), 10 minutes without a
 * message in either direction, 2 hours per connection, each function's timeout and the
 * 29 s integration timeout. Routes with a MOCK integration (`heartbeat`) are answered
 * without a function (mock-integration.ts). The Management API is served on the same port.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TABLE_NAME } from '../lambdas/adapters/dynamodb/table-schema.js';
import type { MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { configFromEnvironment, type Environment } from '../lambdas/composition/environment/shared.js';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import { resolveConfig, type TopicastConfigInput } from '../lambdas/core/config.js';
import { ROUTE_KEYS } from '../lambdas/core/protocol/constants.js';
import { MOCK_ROUTES } from '../lambdas/core/protocol/heartbeat-route.js';
import type { GatewayEvent, GatewayHandler, GatewayResponse } from '../lambdas/handlers/api-gateway-event.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../lib/function-timeouts.js';
import { apiGatewayId, ConnectionPool, newConnectionId, type PooledConnection } from './connection-pool.js';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDb, type LocalDynamoDb } from './dynamodb.js';
import { connectEvent, disconnectEvent, messageEvent, selectRoute, type GatewayIdentity } from './event-formatter.js';
import { loadChannelModules } from './channel-loader.js';
import { localDependencies } from './local-dependencies.js';
import { LocalFanoutDispatcher } from './local-fanout-dispatcher.js';
import { FrameWatcher } from './frame-watcher.js';
import { frameLabel } from './frame-label.js';
import { handleManagementRequest, isManagementRequest } from './management-api.js';
import { unknownPusherKey } from './pusher-mapping.js';
import { unknownAppKeyFrame } from '../lambdas/core/pusher/greeting.js';
import { PUSHER_ERROR_CODES } from '../lambdas/core/pusher/protocol.js';
import { serveHttp, type HttpRoute } from './http-routes.js';
import { invokeLocally } from './lambda-invoker.js';
import { announceLambdaInvoke } from './invocation-context.js';
import { compileMockRoute, type MockRoute } from './mock-integration.js';
import { localServerOperations, publishRoute } from './publish-route.js';
import { pusherRoute } from './pusher-route.js';
import { pusherAppFromEnvironment } from '../lambdas/composition/environment/pusher.js';
import { FetchWebhookSender } from '../lambdas/adapters/pusher/fetch-webhook-sender.js';
import { createPusherWebhookHandler, WEBHOOK_TIMEOUT_MS, WEBHOOK_URL_ENV } from '../lambdas/handlers/pusher-webhooks.js';
import { DEFAULT_LOCAL_WEBHOOK_RETRY_DELAYS_MS, LocalWebhookDispatcher } from './pusher-webhooks.js';
import { buildRouteHandlers, type RouteHandlers } from './route-handlers.js';
import { browserAssets } from './pages/browser-assets.js';
import { LiveConsole } from './pages/live-console.js';
import { pagesRoute } from './pages/pages-route.js';
import { TableStateReader } from './pages/table-state.js';
import { observedStore } from './pages/topic-view.js';
import { createRequestLog, type RequestLog } from './request-log.js';
import { sweepExpiredItems } from './ttl-sweeper.js';
import { presenceStreamReaders } from '../lambdas/core/presence-readers.js';
import { readerPublishesEvents } from '../lambdas/core/lifecycle-events.js';
import type { LifecycleDependencies } from '../lambdas/core/use-cases/publish-lifecycle-events.js';
import { DynamoOccupancyMarkers } from '../lambdas/adapters/dynamodb/occupancy-markers.js';
import { PutEventsPublisher } from '../lambdas/adapters/eventbridge/put-events-publisher.js';
import { EVENT_BUS_ENV, EVENTS_ENDPOINT_ENV } from '../lambdas/composition/environment/presence.js';
import { createPresenceStreamHandler } from '../lambdas/handlers/presence-stream.js';
import { createPresenceGraceHandler } from '../lambdas/handlers/presence-grace.js';
import { LocalGraceQueue } from './grace-queue.js';
import { LOCAL_EVENT_BUS, LocalEventBus } from './event-bus.js';
import { captureTableStream } from './stream-capture.js';
import { LocalTableStream } from './table-stream.js';

export interface GatewayOptions {
  /** Port to listen on; 0 picks a free one. @default 3001 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Stage name in events and in the Management API path. @default 'local' */
  readonly stage?: string;
  /** DynamoDB to use instead of an embedded dynalite (DYNAMODB_ENDPOINT). */
  readonly dynamoEndpoint?: string | undefined;
  /** Folder for the embedded dynalite's data; in memory when omitted. */
  readonly dataDir?: string | undefined;
  /** @default 'topicast' */
  readonly tableName?: string;
  /** Settings over those read from `env` (TOPICAST_CONFIG, TOPICAST_AUTH, ...). */
  readonly config?: TopicastConfigInput;
  /** Environment for secrets and settings. @default process.env */
  readonly env?: Environment;
  /** Silences the per-request log lines. @default false */
  readonly quiet?: boolean;
  /** API Gateway closes a connection idle this long. @default 600000 (10 min) */
  readonly idleTimeoutMs?: number;
  /** API Gateway closes every connection after this long. @default 7200000 (2 h) */
  readonly maxConnectionMs?: number;
  /** How often expired items are swept (dynalite has no TTL). @default 30000 */
  readonly sweepIntervalMs?: number;
  /**
   * Function and integration timeouts, in milliseconds. The function defaults are the
   * construct's (lib/function-timeouts.ts).
   * @default { route: 10000, fanoutWorker: 60000, presence: 60000, integration: 29000 }
   */
  readonly timeoutsMs?: Partial<LocalTimeouts>;
  /** Where log lines go. @default stdout */
  readonly write?: (line: string) => void;
  /** Channel module files (`--channel`), relative to the working directory. @default [] */
  readonly channels?: readonly string[];
  /** Waits before each retry of a failed Pusher webhook (TOPICAST_PUSHER_WEBHOOK_URL). @default [1000, 2000] */
  readonly webhookRetryDelaysMs?: readonly number[];
}

export interface LocalTimeouts {
  /** Timeout of every route function ($connect, $disconnect, join, ...). */
  readonly route: number;
  /** Timeout of the fan-out worker. */
  readonly fanoutWorker: number;
  /** Timeout of the presence function (a reader of the table's stream). */
  readonly presence: number;
  /** API Gateway's integration timeout: the client's answer when a route takes longer. */
  readonly integration: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /** Management API endpoint, as recorded with each connection. */
  readonly managementEndpoint: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  /** The client every function's table calls go through (a middleware on it sees them all, with `currentInvocation()`). */
  readonly documentClient: DynamoDBDocumentClient;
  readonly deps: MessagingDependencies;
  readonly connections: ConnectionPool;
  /** EventBridge's PutEvents, emulated on this port: the lifecycle events it received (config `lifecycleEvents`). */
  readonly eventBus: LocalEventBus;
  /** Pusher webhooks (TOPICAST_PUSHER_WEBHOOK_URL with the Pusher app set): their dead letters, and a wait for those under way. */
  readonly webhooks: LocalWebhookDispatcher | undefined;
  /** Runs one TTL sweep now; returns what it removed. */
  sweep(nowSeconds?: number): Promise<{ connections: number; items: number }>;
  /** Waits until queued fan-out batches have run. */
  drain(): Promise<void>;
  /** Hands the table stream's buffered records to the presence function now, without waiting for the window, and waits for it. */
  flushPresence(): Promise<void>;
  end(): Promise<void>;
}

// API Gateway closes idle and over-age connections with 1001 "Going away".
const GOING_AWAY = 1001;

/** What API Gateway makes of one route integration. */
type Integration =
  | { readonly kind: 'response'; readonly statusCode: number; readonly response: GatewayResponse | undefined; readonly requestId: string }
  /** A function error (thrown, or the function's timeout): the client sees "Internal server error". */
  | { readonly kind: 'function-error'; readonly statusCode: 500; readonly requestId: string }
  /** The 29 s integration timeout: the client sees "Endpoint request timed out". */
  | { readonly kind: 'integration-timeout'; readonly statusCode: 504; readonly requestId: string };

export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const tableName = options.tableName ?? env.TABLE_NAME ?? DEFAULT_TABLE_NAME;
  const idleTimeoutMs = options.idleTimeoutMs ?? API_GATEWAY_LIMITS.idleSeconds * 1000;
  const maxConnectionMs = options.maxConnectionMs ?? API_GATEWAY_LIMITS.maxConnectionSeconds * 1000;
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  // Lifecycle events are printed whether or not --quiet silences the request lines: they are asked for.
  const eventBus = new LocalEventBus(write);
  // The local pages: metrics, topics, lifecycle events and the request log, kept in memory for the dashboard.
  const live = new LiveConsole(eventBus);
  const pool = new ConnectionPool();
  live.watch(pool);
  const log: RequestLog = createRequestLog({ quiet: options.quiet === true, write, onEntry: live.onLogEntry });
  // Bundled now, in the background, so the first page load does not wait for esbuild.
  void browserAssets().catch((error: unknown) => log.logger.error('bundling the local pages failed', { error }));
  // TOPICAST_PUSHER_APP_ID/_KEY/_SECRET turn Pusher's HTTP API on; a partial setting fails the start.
  const pusherApp = pusherAppFromEnvironment(env);
  const webhookUrl = pusherApp ? env[WEBHOOK_URL_ENV] : undefined;
  const configured = resolveConfig(options.config ?? {}, configFromEnvironment(env));
  // Webhooks are made from lifecycle events: asking for them turns the events on, as the construct does.
  const config = webhookUrl ? { ...configured, lifecycleEvents: { ...configured.lifecycleEvents, enabled: true } } : configured;
  const timeouts: LocalTimeouts = {
    route: DEFAULT_TIMEOUT_SECONDS.route * 1000,
    fanoutWorker: DEFAULT_TIMEOUT_SECONDS.fanoutWorker * 1000,
    presence: DEFAULT_TIMEOUT_SECONDS.presence * 1000,
    integration: API_GATEWAY_LIMITS.integrationTimeoutSeconds * 1000,
    ...options.timeoutsMs,
  };

  // Modules first: a broken one fails the start before anything runs or listens.
  const channelModules = await loadChannelModules(options.channels ?? []);
  const dynamo: LocalDynamoDb = await startDynamoDb({ endpoint: options.dynamoEndpoint ?? env.DYNAMODB_ENDPOINT, dataDir: options.dataDir });
  await ensureTable(dynamo.client, tableName);

  const dispatcher = new LocalFanoutDispatcher(log.logger);
  const graceQueue = new LocalGraceQueue({ logger: log.logger });
  const deps = localDependencies({
    graceTimer: graceQueue,
    config,
    documentClient: dynamo.documentClient,
    tableName,
    env,
    logger: log.logger,
    metrics: live.metrics,
    dispatcher,
    observeStore: (store) => observedStore(store, live.topics),
    channelModules,
  });
  const handlers: RouteHandlers = buildRouteHandlers(deps);
  // An asynchronous invoke: nobody waits for the result, a failure is only logged (on AWS
  // it goes to the worker's on-failure destination).
  const fanoutWorker = { name: 'topicast-fanout-worker', timeoutMs: timeouts.fanoutWorker, handler: handlers.fanoutWorker };
  dispatcher.bind((batch) => {
    announceLambdaInvoke(fanoutWorker.name);
    return log.timed('fanout-worker', batch.topic, async () => {
      const invocation = await invokeLocally(fanoutWorker, batch, log.logger);
      if (invocation.status === 'failed') log.logger.error('fan-out worker failed', { topic: batch.topic, requestId: invocation.requestId, error: invocation.error.message });
      return invocation;
    });
  }, (event) => {
    // The worker function's other job, as `$connect` invokes it for a Pusher client.
    announceLambdaInvoke(fanoutWorker.name);
    return log.timed('fanout-worker', `greeting ${event.greeting.connectionId}`, async () => {
      const invocation = await invokeLocally({ ...fanoutWorker, handler: handlers.greeting }, event, log.logger);
      if (invocation.status === 'failed') log.logger.error('greeting failed', { connectionId: event.greeting.connectionId, requestId: invocation.requestId, error: invocation.error.message });
      return invocation;
    });
  });

  // The grace queue's event source mapping: the presence-grace function releases held presences.
  const graceFunction = { name: 'topicast-presence-grace', timeoutMs: timeouts.presence, handler: createPresenceGraceHandler(() => deps) };
  graceQueue.bind((event) =>
    log.timed('presence-grace', `${event.Records.length} held`, async () => {
      announceLambdaInvoke(graceFunction.name);
      const invocation = await invokeLocally(graceFunction, event, log.logger);
      if (invocation.status === 'failed') throw invocation.error;
      return invocation.result;
    }),
  );

  // Lifecycle events go to this gateway's own PutEvents (its port is known once it listens),
  // or wherever TOPICAST_EVENTS_ENDPOINT points (LocalStack's EventBridge).
  let listeningPort = 0;
  const lifecycle: LifecycleDependencies | undefined = config.lifecycleEvents.enabled
    ? {
        publisher: new PutEventsPublisher({
          eventBusName: env[EVENT_BUS_ENV] ?? LOCAL_EVENT_BUS,
          source: config.lifecycleEvents.source,
          endpoint: () => env[EVENTS_ENDPOINT_ENV] ?? `http://${host}:${listeningPort}`,
          region: LOCAL_REGION,
          credentials: () => Promise.resolve(LOCAL_CREDENTIALS),
          logger: log.logger,
        }),
        markers: new DynamoOccupancyMarkers(dynamo.documentClient, tableName),
      }
    : undefined;

  // The table's stream and the presence function's event source mappings: every write of
  // this gateway's handlers (and its TTL sweeper's deletes) reaches the presence readers.
  const presenceReaders = presenceStreamReaders(config.presence).map((reader) => {
    const publishes = lifecycle !== undefined && readerPublishesEvents(reader);
    const presenceFunction = {
      name: `topicast-presence-${reader.windowSeconds}s`,
      timeoutMs: timeouts.presence,
      handler: createPresenceStreamHandler(() => ({ ...deps, reader, lifecycle: publishes ? lifecycle : undefined })),
    };
    return {
      reader,
      connectionItems: publishes,
      expiredConnectionRows: reader.prefixes === null && channelModules.some(({ definition }) => typeof definition.leave === 'function'),
      invoke: (event: Parameters<typeof presenceFunction.handler>[0]) =>
        log.timed('presence', `${event.Records.length} records`, async () => {
          const invocation = await invokeLocally(presenceFunction, event, log.logger);
          if (invocation.status === 'failed') throw invocation.error;
          return invocation.result;
        }),
    };
  });
  const tableStream = new LocalTableStream({ tableName, region: LOCAL_REGION, logger: log.logger }, presenceReaders);
  const imageReader = dynamo.newClient();
  captureTableStream(dynamo.client, tableStream, { imageReader });
  const sweeperClient = dynamo.newClient();
  captureTableStream(sweeperClient, tableStream, { imageReader, expiry: true });
  const sweeperDocumentClient = DynamoDBDocumentClient.from(sweeperClient);

  const closeReasons = new Map<string, { code: number; reason: string }>();
  const serverOperations = localServerOperations(deps, dynamo.documentClient, tableName);
  const webhooks =
    pusherApp && webhookUrl
      ? new LocalWebhookDispatcher(
          {
            name: 'topicast-pusher-webhooks',
            timeoutMs: DEFAULT_TIMEOUT_SECONDS.route * 1000,
            handler: createPusherWebhookHandler(() => ({
              app: pusherApp,
              url: webhookUrl,
              sender: new FetchWebhookSender(WEBHOOK_TIMEOUT_MS),
              connectionsOfMember: (topic, key) => serverOperations.connectionsOfMember(topic, key),
              logger: log.logger,
            })),
          },
          { source: config.lifecycleEvents.source, retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_LOCAL_WEBHOOK_RETRY_DELAYS_MS, logger: log.logger, write },
        )
      : undefined;
  webhooks?.attach(eventBus);
  const httpRoutes: HttpRoute[] = [
    {
      name: 'management api',
      matches: (request) => isManagementRequest(request.url),
      handle: (request, response) => handleManagementRequest(request, response, pool, { onDelete: (id) => closeReasons.set(id, { code: 1000, reason: 'Connection deleted' }) }),
    },
    publishRoute(deps, serverOperations),
    ...(pusherApp ? [pusherRoute(deps, serverOperations, pusherApp)] : []),
    eventBus.route(),
    pagesRoute(live),
  ];
  const server: Server = createServer((request, response) => {
    const served = serveHttp(httpRoutes, request, response, (route, error) => log.logger.error(`${route} failed`, { error }));
    if (served) return;
    response.writeHead(426, { 'content-type': 'text/plain' }).end('topicast local gateway: connect with a WebSocket client\n');
  });
  // ws closes with 1009 when a message exceeds maxPayload, as API Gateway does over 128 KB
  // (the 32 KB frame limit is the FrameWatcher's). API Gateway negotiates no compression.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: API_GATEWAY_LIMITS.messageBytes,
    perMessageDeflate: false,
    handleProtocols: (_protocols, request) => pendingSubprotocol(request),
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3001, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  listeningPort = port;
  const identity: GatewayIdentity = { apiId: `local${port}`, stage, domainName: `${host}:${port}` };
  // A shared DynamoDB holds other gateways' connections too: the dashboard counts the table.
  if (!dynamo.embedded) live.readFromTable(new TableStateReader(dynamo.documentClient, tableName, () => `http://${identity.domainName}/${stage}`));
  // A second process opening the same data dir is told where this one serves.
  dynamo.dataDirLock?.describe(`ws://${host}:${port}`);
  // Routes API Gateway answers itself (MOCK integrations): no function, no log line.
  const mockRoutes = new Map<string, MockRoute>(MOCK_ROUTES.map((route) => [route.routeKey, compileMockRoute(route)]));
  const routeKeys = new Set<string>([...ROUTE_KEYS, ...mockRoutes.keys()]);

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void acceptUpgrade(request, socket, head);
  });

  async function acceptUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const facts = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: request.headers['user-agent'] ?? '',
    };
    socket.on('error', () => undefined);
    // With the Pusher protocol on, another key gets Pusher's 4001 and a close (pusher-mapping.ts); no $connect runs.
    const pusherKey = env.TOPICAST_PUSHER_KEY;
    const unknownKey = pusherKey ? unknownPusherKey(request.url, pusherKey) : null;
    if (unknownKey !== null) {
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.send(unknownAppKeyFrame(unknownKey));
        ws.close(PUSHER_ERROR_CODES.appDoesNotExist, 'App key not in this cluster');
      });
      return;
    }
    const outcome = await log.timed('$connect', facts.connectionId, () => integrate('$connect', connectEvent(identity, facts, request)));
    if (outcome.kind !== 'response') {
      rejectHandshake(socket, { statusCode: outcome.statusCode, body: outcome.kind === 'integration-timeout' ? 'Endpoint request timed out' : 'Internal server error' });
      return;
    }
    if (outcome.statusCode < 200 || outcome.statusCode > 299) {
      rejectHandshake(socket, { statusCode: outcome.statusCode, body: outcome.response?.body ?? '' });
      return;
    }
    (request as IncomingMessage & { topicastSubprotocol?: string }).topicastSubprotocol = headerValue(outcome.response, 'sec-websocket-protocol');
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws, socket, facts));
  }

  function attach(ws: WebSocket, socket: Duplex, facts: { connectionId: string; connectedAt: number; sourceIp: string; userAgent: string }): void {
    const connection: PooledConnection = { ...facts, socket: ws, lastActiveAt: Date.now() };
    pool.add(connection);
    // Ahead of ws's own listener, so a refused frame is seen before ws can deliver it.
    const frames = new FrameWatcher();
    let refused = false;
    socket.prependListener('data', (chunk: Buffer) => {
      const violation = frames.feed(chunk);
      if (!violation) return;
      refused = true;
      closeAs(violation.code, violation.reason);
    });
    // Idle means no message in either direction: what the Management API posts counts too.
    let idleTimer = setTimeout(checkIdle, idleTimeoutMs);
    function checkIdle(): void {
      const idleFor = Date.now() - connection.lastActiveAt;
      if (idleFor >= idleTimeoutMs) closeAs(GOING_AWAY, 'Going away');
      else idleTimer = setTimeout(checkIdle, idleTimeoutMs - idleFor);
    }
    const ageTimer = setTimeout(() => closeAs(GOING_AWAY, 'Going away'), maxConnectionMs);
    function closeAs(code: number, reason: string): void {
      closeReasons.set(facts.connectionId, { code, reason });
      ws.close(code, reason);
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Binary frames never get here: the FrameWatcher closes the connection with 1003 first.
      if (refused || isBinary) return;
      connection.lastActiveAt = Date.now();
      const body = rawToBuffer(data).toString('utf8');
      const routeKey = selectRoute(body, routeKeys);
      const mock = mockRoutes.get(routeKey);
      if (mock) {
        const outcome = mock(body);
        if (outcome.kind === 'configuration-error') log.logger.error('execution failed due to configuration error', { routeKey, message: outcome.message });
        const reply = outcome.kind === 'response' ? outcome.body : errorFrame({ kind: 'function-error', statusCode: 500, requestId: apiGatewayId() }, facts.connectionId);
        if (typeof reply === 'string' && reply.length > 0 && ws.readyState === ws.OPEN) {
          connection.lastActiveAt = Date.now();
          ws.send(reply);
        }
        return;
      }
      const event = messageEvent(identity, facts, routeKey, body, false);
      void log.timed(routeKey, facts.connectionId, () => integrate(routeKey, event), frameLabel(body, config.limits)).then((outcome) => {
        // Two-way route: the integration's body is the reply (all message routes are two-way);
        // a failed integration answers with API Gateway's own error frame.
        const reply = outcome.kind === 'response' ? outcome.response?.body : errorFrame(outcome, facts.connectionId);
        if (typeof reply === 'string' && reply.length > 0 && ws.readyState === ws.OPEN) {
          connection.lastActiveAt = Date.now();
          ws.send(reply);
        }
      });
    });

    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(idleTimer);
      clearTimeout(ageTimer);
      pool.remove(facts.connectionId);
      const recorded = closeReasons.get(facts.connectionId);
      closeReasons.delete(facts.connectionId);
      const status = recorded?.code ?? code;
      const why = recorded?.reason ?? reason.toString('utf8');
      void log.timed('$disconnect', facts.connectionId, () => integrate('$disconnect', disconnectEvent(identity, facts, status, why)));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes with 1009 over 128 KB but drops the socket before the client's close
      // frame arrives, which would report 1006; API Gateway reports the code it closed with.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') closeReasons.set(facts.connectionId, { code: 1009, reason: 'Message too big' });
    });
  }

  /**
   * One route integration as API Gateway runs it: the function with its own timeout, inside
   * the 29 s integration timeout. Whatever the handler does (throw, hang, return nothing),
   * the gateway answers as API Gateway would and keeps serving.
   */
  async function integrate(routeKey: string, event: GatewayEvent): Promise<Integration> {
    const handler = handlers[routeKey as keyof RouteHandlers] as GatewayHandler;
    const fn = { name: `topicast-${routeKey.replace('$', '')}`, timeoutMs: timeouts.route, handler };
    const requestId = event.requestContext.requestId ?? '';
    let timer: NodeJS.Timeout | undefined;
    const integrationTimeout = new Promise<Integration>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'integration-timeout', statusCode: 504, requestId }), timeouts.integration);
    });
    const invoked = invokeLocally(fn, event, log.logger).then((invocation): Integration => {
      if (invocation.status === 'failed') {
        log.logger.error('function error', { routeKey, connectionId: event.requestContext.connectionId, error: invocation.error.message });
        return { kind: 'function-error', statusCode: 500, requestId };
      }
      const response = invocation.result as GatewayResponse | undefined | null;
      // A result without a statusCode (even none at all) is a successful integration.
      const statusCode = typeof response?.statusCode === 'number' ? response.statusCode : 200;
      return { kind: 'response', statusCode, response: response ?? undefined, requestId };
    });
    try {
      const outcome = await Promise.race([invoked, integrationTimeout]);
      if (outcome.kind === 'integration-timeout') log.logger.error('integration timed out', { routeKey, connectionId: event.requestContext.connectionId, afterMs: timeouts.integration });
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  const sweep = (nowSeconds = Math.floor(Date.now() / 1000)) => sweepExpiredItems(sweeperDocumentClient, tableName, nowSeconds);
  const sweepTimer = setInterval(() => {
    sweep().catch((error: unknown) => log.logger.error('ttl sweep failed', { error }));
  }, options.sweepIntervalMs ?? 30_000);
  sweepTimer.unref();

  return {
    url: `ws://${host}:${port}`,
    port,
    managementEndpoint: `http://${identity.domainName}/${stage}`,
    dynamoEndpoint: dynamo.endpoint,
    tableName,
    documentClient: dynamo.documentClient,
    deps,
    connections: pool,
    eventBus,
    webhooks,
    sweep,
    drain: () => dispatcher.drain(),
    flushPresence: () => tableStream.flush(),
    async end() {
      clearInterval(sweepTimer);
      const closing = [...pool.all()].map(
        (connection) => new Promise<void>((resolve) => {
          connection.socket.once('close', () => resolve());
          connection.socket.close(GOING_AWAY, 'Going away');
        }),
      );
      await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 2000))]);
      // $disconnect handlers still post leaves through this server's Management API.
      await log.settled();
      graceQueue.close();
      await graceQueue.drain();
      await tableStream.end();
      await dispatcher.drain();
      await webhooks?.drain();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      imageReader.destroy();
      sweeperClient.destroy();
      await dynamo.end();
    },
  };
}

function pendingSubprotocol(request: IncomingMessage): string | false {
  return (request as IncomingMessage & { topicastSubprotocol?: string }).topicastSubprotocol ?? false;
}

function headerValue(response: GatewayResponse | undefined, name: string): string | undefined {
  const entry = Object.entries(response?.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

/** The frame API Gateway sends a client whose message's integration failed. */
function errorFrame(outcome: Exclude<Integration, { kind: 'response' }>, connectionId: string): string {
  const message = outcome.kind === 'integration-timeout' ? 'Endpoint request timed out' : 'Internal server error';
  return JSON.stringify({ message, connectionId, requestId: outcome.requestId });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** The handshake fails with the status `$connect` returned, as API Gateway does. */
function rejectHandshake(socket: Duplex, response: GatewayResponse): void {
  const status = response.statusCode >= 400 && response.statusCode <= 599 ? response.statusCode : 500;
  const body = response.body ?? '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
