/**
 * The real topicast handlers wired to a real table, as the Lambda composition wires them,
 * with the Management API replaced by a RecordingSender. Tests drive it with API
 * Gateway-shaped events and read what each connection was sent.
 */
import { randomBytes } from 'node:crypto';
import type { ChannelDefinition } from '../../lambdas/core/channels/definition.js';
import { installChannel } from '../../lambdas/core/channels/registry.js';
import { resolveConfig, type TopicastConfig, type TopicastConfigInput } from '../../lambdas/core/config.js';
import type { Clock, FanoutBatch, FanoutDispatcher, Logger, TokenVerifier } from '../../lambdas/core/ports.js';
import { DynamoChannelIndex } from '../../lambdas/adapters/dynamodb/channel-index.js';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { assembleMessaging, type MessagingDependencies } from '../../lambdas/composition/dependencies.js';
import { randomIds, systemClock } from '../../lambdas/composition/system.js';
import type { DeliveryReport } from '../../lambdas/core/use-cases/deliver.js';
import type { GatewayEvent, GatewayHandler, GatewayResponse } from '../../lambdas/handlers/api-gateway-event.js';
import { createConnectHandler } from '../../lambdas/handlers/connect.js';
import { createDefaultHandler } from '../../lambdas/handlers/default.js';
import { createDisconnectHandler } from '../../lambdas/handlers/disconnect.js';
import { createFanoutWorkerHandler } from '../../lambdas/handlers/fanout-worker.js';
import { createJoinHandler } from '../../lambdas/handlers/join.js';
import { createLeaveHandler } from '../../lambdas/handlers/leave.js';
import { createPingHandler } from '../../lambdas/handlers/ping.js';
import { createPushHandler } from '../../lambdas/handlers/push.js';
import type { TestTable } from './dynalite.js';
import { connectEvent, disconnectEvent, messageEvent, type ConnectEventOptions } from './gateway-events.js';
import { recordingMetrics, type RecordingMetrics } from './recording-metrics.js';
import { RecordingSender } from './recording-sender.js';

/** Management API endpoint every test connection is reached through. */
export const TEST_ENDPOINT = 'http://local/test';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps its entries, so tests can assert nothing was logged as an error. */
export function recordingLogger(entries: LogEntry[] = []): Logger & { readonly entries: LogEntry[] } {
  const log = (level: LogEntry['level']) => (message: string, fields: Record<string, unknown> = {}) => {
    entries.push({ level, message, fields });
  };
  return { entries, info: log('info'), warn: log('warn'), error: log('error') };
}

export interface HarnessOptions {
  readonly config?: TopicastConfigInput;
  readonly verifier?: TokenVerifier;
  readonly clock?: Clock;
  /** Channel modules, as `--channel` files would install them. @default [] */
  readonly channels?: readonly ChannelDefinition[];
  /** Hand big fan-outs to the fan-out worker handler, invoked in-process. @default false */
  readonly fanoutWorker?: boolean;
  /** Management API endpoint of this gateway; give harnesses sharing a table different ones. @default TEST_ENDPOINT */
  readonly endpoint?: string;
  /** Keep the index of occupied channels, as joins do with the Pusher protocol on. @default false */
  readonly channelIndex?: boolean;
}

export interface Harness {
  readonly config: TopicastConfig;
  /** Management API endpoint that reaches connections made through this harness. */
  readonly endpoint: string;
  readonly deps: MessagingDependencies;
  readonly sender: RecordingSender;
  readonly logger: Logger & { readonly entries: LogEntry[] };
  readonly metrics: RecordingMetrics;
  /** Batches handed to the fan-out worker, in order. */
  readonly dispatched: FanoutBatch[];
  /** Reports the fan-out worker returned, in order. */
  readonly workerReports: DeliveryReport[];
  readonly handlers: Readonly<Record<'connect' | 'join' | 'leave' | 'push' | 'ping' | 'default' | 'disconnect', GatewayHandler>>;
  /** Dispatches an event on its routeKey, as API Gateway does. */
  invoke(event: GatewayEvent): Promise<GatewayResponse>;
  connect(connectionId: string, options?: ConnectEventOptions): Promise<GatewayResponse>;
  /** Sends a frame (an object or array is JSON-encoded) on the route API Gateway would select. */
  send(connectionId: string, frame: unknown): Promise<GatewayResponse>;
  disconnect(connectionId: string): Promise<GatewayResponse>;
}

export function createHarness(table: TestTable, options: HarnessOptions = {}): Harness {
  // The handlers run here without the table's stream, so presence diffs come from the
  // functions themselves (window 0) unless a test sets a window and drives the stream.
  const config = resolveConfig({ presence: { windowMs: 0 }, ...options.config });
  const endpoint = options.endpoint ?? TEST_ENDPOINT;
  const sender = new RecordingSender();
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const dispatched: FanoutBatch[] = [];
  const workerReports: DeliveryReport[] = [];
  let worker: ((batch: FanoutBatch) => Promise<DeliveryReport>) | undefined;

  const dispatcher: FanoutDispatcher | undefined = options.fanoutWorker
    ? {
        async dispatch(batches) {
          dispatched.push(...batches);
          // Lambda passes the batch as JSON: round-trip it so nothing relies on shared objects.
          const reports = await Promise.all(batches.map((batch) => (worker as NonNullable<typeof worker>)(JSON.parse(JSON.stringify(batch)) as FanoutBatch)));
          workerReports.push(...reports);
          return { dispatched: batches.length, failed: [] };
        },
      }
    : undefined;

  const deps = assembleMessaging({
    config,
    logger,
    metrics,
    store: new DynamoRealtimeStore(table.documentClient, table.tableName),
    clock: options.clock ?? systemClock,
    ids: randomIds,
    endpointFor: () => endpoint,
    sender,
    verifier: options.verifier,
    channelModules: (options.channels ?? []).map((definition, index) => installChannel(definition, `test-module-${index}`)),
    kv: new DynamoChannelKv(table.documentClient, table.tableName, options.clock ?? systemClock),
    historyStore: new DynamoHistoryStore(table.documentClient, table.tableName, options.clock ?? systemClock),
    dispatcher,
    ...(options.channelIndex === true ? { channelIndex: new DynamoChannelIndex(table.documentClient, table.tableName) } : {}),
  });
  worker = createFanoutWorkerHandler(() => deps);

  const handlers = {
    connect: createConnectHandler(() => deps),
    join: createJoinHandler(() => deps),
    leave: createLeaveHandler(() => deps),
    push: createPushHandler(() => deps),
    // The ping route is deployed without table or Management API access: build it so.
    ping: createPingHandler(() => ({ config, logger, metrics, endpointFor: () => endpoint })),
    default: createDefaultHandler(() => deps),
    disconnect: createDisconnectHandler(() => deps),
  };

  const invoke = (event: GatewayEvent): Promise<GatewayResponse> => {
    switch (event.requestContext.routeKey) {
      case '$connect':
        return handlers.connect(event);
      case '$disconnect':
        return handlers.disconnect(event);
      case 'join':
        return handlers.join(event);
      case 'leave':
        return handlers.leave(event);
      case 'push':
        return handlers.push(event);
      case 'ping':
        return handlers.ping(event);
      default:
        return handlers.default(event);
    }
  };

  return {
    config,
    endpoint,
    deps,
    sender,
    logger,
    metrics,
    dispatched,
    workerReports,
    handlers,
    invoke,
    connect: (connectionId, connectOptions) => invoke(connectEvent(connectionId, connectOptions)),
    send: (connectionId, frame) => invoke(messageEvent(connectionId, typeof frame === 'string' ? frame : JSON.stringify(frame))),
    disconnect: (connectionId) => invoke(disconnectEvent(connectionId)),
  };
}

/** A connection id shaped like API Gateway's (12 random bytes, base64), with a readable prefix. */
export function connectionId(label = 'conn'): string {
  return `${label}-${randomBytes(9).toString('base64url')}=`;
}

/** A harness with `count` native clients connected (ids `c0-…`, `c1-…`, …). */
export async function withConnectedClients(table: TestTable, count: number, options: HarnessOptions = {}): Promise<{ h: Harness; ids: string[] }> {
  const h = createHarness(table, options);
  const ids = Array.from({ length: count }, (_, i) => connectionId(`c${i}`));
  for (const id of ids) {
    const { statusCode } = await h.connect(id);
    if (statusCode !== 200) throw new Error(`connect of ${id} answered ${statusCode}`);
  }
  return { h, ids };
}

/** Frames of a route response body (a two-way route returns one frame), parsed as JSON. */
export function responseMessages(response: GatewayResponse): unknown[] {
  if (!response.body) return [];
  return response.body.split('\n').map((line) => JSON.parse(line) as unknown);
}
