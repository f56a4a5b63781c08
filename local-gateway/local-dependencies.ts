/**
 * Composition for the local gateway: the same adapters as in Lambda, pointed at local
 * endpoints. Built from an options object, not process.env, so several gateways can run
 * in one process (tests) with different settings.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoChannelKv } from '../lambdas/adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../lambdas/adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../lambdas/adapters/dynamodb/realtime-store.js';
import { SdkMessageSender } from '../lambdas/adapters/management-api/sdk-message-sender.js';
import { SignedHttpMessageSender } from '../lambdas/adapters/management-api/signed-http-sender.js';
import { assembleMessaging, type MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { verifierFromEnvironment } from '../lambdas/composition/environment/connect.js';
import type { Environment } from '../lambdas/composition/environment/shared.js';
import { randomIds, systemClock } from '../lambdas/composition/system.js';
import type { InstalledChannel } from '../lambdas/core/channels/registry.js';
import type { TopicastConfig } from '../lambdas/core/config.js';
import type { Metrics } from '../lambdas/core/metrics.js';
import type { FanoutDispatcher, GraceTimer, Logger, MessageSender, RealtimeStore } from '../lambdas/core/ports.js';
import type { ConnectionGreeter } from '../lambdas/core/pusher/greeting.js';
import { DynamoChannelIndex } from '../lambdas/adapters/dynamodb/channel-index.js';
import { DynamoMemberClaims } from '../lambdas/adapters/dynamodb/member-claims.js';
import { pusherAppFromEnvironment, type PusherAppLoader } from '../lambdas/composition/environment/pusher.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb.js';

export interface LocalDependencyOptions {
  readonly config: TopicastConfig;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly env: Environment;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly dispatcher: FanoutDispatcher & ConnectionGreeter;
  /** `--channel` modules. @default [] */
  readonly channelModules?: readonly InstalledChannel[];
  /** Wraps the store (the live dashboard observes subscription writes). */
  readonly observeStore?: (store: RealtimeStore) => RealtimeStore;
  /** The grace queue's emulation (grace-queue.ts). */
  readonly graceTimer?: GraceTimer;
}

export function localDependencies(options: LocalDependencyOptions): MessagingDependencies {
  return assembleMessaging({
    config: options.config,
    logger: options.logger,
    metrics: options.metrics,
    store: (options.observeStore ?? ((store) => store))(new DynamoRealtimeStore(options.documentClient, options.tableName)),
    clock: systemClock,
    ids: randomIds,
    verifier: verifierFromEnvironment(options.env),
    endpointFor: (context) => `http://${context.domainName}/${context.stage}`,
    sender: localSender(options.config, options.env),
    dispatcher: options.dispatcher,
    // TOPICAST_PUSHER_APP_ID/_KEY/_SECRET turn the Pusher protocol on (DESIGN.md, "Pusher protocol").
    ...pusherParts(options),
    channelModules: options.channelModules ?? [],
    kv: new DynamoChannelKv(options.documentClient, options.tableName, systemClock),
    historyStore: new DynamoHistoryStore(options.documentClient, options.tableName, systemClock),
    graceTimer: options.graceTimer,
  });
}

function pusherParts(options: LocalDependencyOptions): { pusherApp?: PusherAppLoader; pusherGreeter?: ConnectionGreeter; channelIndex?: DynamoChannelIndex; memberClaims?: DynamoMemberClaims } {
  const pusherApp = pusherAppFromEnvironment(options.env);
  return pusherApp ? { pusherApp, pusherGreeter: options.dispatcher, channelIndex: new DynamoChannelIndex(options.documentClient, options.tableName), memberClaims: new DynamoMemberClaims(options.documentClient, options.tableName) } : {};
}

/**
 * The deployed hot path (signed posts over a lean keep-alive pool) to whichever gateway
 * owns a socket. TOPICAST_LOCAL_SENDER=sdk switches to the AWS SDK client with default
 * settings, the reference `npm run bench` measures against.
 */
function localSender(config: TopicastConfig, env: Environment): MessageSender {
  const { concurrency, postTimeoutMs, maxAttempts, retryBaseDelayMs, retryMaxDelayMs } = config.fanout;
  if (env.TOPICAST_LOCAL_SENDER === 'sdk') {
    // Hung Management API calls are a known SDK problem: bound each once a socket has it.
    return new SdkMessageSender(
      (endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler: { socketTimeout: postTimeoutMs } }),
      postTimeoutMs,
    );
  }
  return new SignedHttpMessageSender({
    credentials: () => Promise.resolve(LOCAL_CREDENTIALS),
    region: LOCAL_REGION,
    timeoutMs: postTimeoutMs,
    maxAttempts,
    baseBackoffMs: retryBaseDelayMs,
    maxBackoffMs: retryMaxDelayMs,
    maxSockets: concurrency,
  });
}
