/**
 * Composition of the server-side operations (the `topicast/server` SDK in a user's own
 * code, and the HTTP publish function) from explicit settings or from the environment
 * variables `RealtimeApi.grantPublish` / `publishEnvironment` hand over. The same tuned
 * sender, store and fan-out dispatcher as the WebSocket routes.
 */
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoChannelIndex } from '../../adapters/dynamodb/channel-index.js';
import { DynamoChannelKv } from '../../adapters/dynamodb/channel-kv.js';
import { DynamoHistoryStore } from '../../adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../adapters/dynamodb/realtime-store.js';
import { DynamoUserConnections } from '../../adapters/dynamodb/user-connections.js';
import { cachedCredentials, type SigningCredentials } from '../../adapters/management-api/credentials.js';
import { SdkConnectionCloser } from '../../adapters/management-api/sdk-connection-closer.js';
import { SignedHttpMessageSender } from '../../adapters/management-api/signed-http-sender.js';
import { LeanHttpTransport } from '../../adapters/management-api/post-transport.js';
import type { ChannelDefinition } from '../../core/channels/definition.js';
import { installChannel } from '../../core/channels/registry.js';
import { resolveConfig, type TopicastConfigInput } from '../../core/config.js';
import type { Logger } from '../../core/ports.js';
import { Broadcaster } from '../../core/use-cases/broadcaster.js';
import { ServerOperations } from '../../core/use-cases/server-operations.js';
import { noMetrics, type Metrics } from '../../core/metrics.js';
import { TopicHistory } from '../../core/use-cases/topic-history.js';
import { channelRuntimeFor } from '../dependencies.js';
import { installedChannels } from '../installed-channels.js';
import { lambdaObservability } from '../observability.js';
import { systemClock } from '../system.js';
import { signingCredentials, workerDispatcher } from './messaging-parts.js';
import type { Environment } from './settings.js';

/** The variables a publisher reads (what `RealtimeApi.publishEnvironment` holds). */
export const PUBLISH_ENV = {
  tableName: 'TOPICAST_TABLE_NAME',
  config: 'TOPICAST_CONFIG',
  fanoutFunction: 'TOPICAST_FANOUT_FUNCTION',
} as const;

export interface ServerSettings {
  /** The RealtimeApi's table (`TOPICAST_TABLE_NAME`). */
  readonly tableName: string;
  /** @default AWS_REGION, else the SDK's default chain */
  readonly region?: string | undefined;
  /** The runtime settings of the deployment (`TOPICAST_CONFIG`): sharding, presence, fan-out tuning. */
  readonly config?: TopicastConfigInput | undefined;
  /** The fan-out worker for topics over `fanout.workerThreshold` (`TOPICAST_FANOUT_FUNCTION`); inline delivery without it. */
  readonly fanoutFunction?: string | undefined;
  /** DynamoDB endpoint override (`DYNAMODB_ENDPOINT`: LocalStack, DynamoDB Local). */
  readonly dynamoEndpoint?: string | undefined;
  /** @default the execution role's (Lambda), else the SDK's default chain */
  readonly credentials?: SigningCredentials | undefined;
  /** A DynamoDB document client to use as is (your endpoint, credentials, middleware); overrides `dynamoEndpoint`. */
  readonly documentClient?: DynamoDBDocumentClient | undefined;
  /** Where failed deliveries are reported. @default Powertools JSON lines on stdout (service `topicast`) */
  readonly logger?: Logger | undefined;
  /** What the broadcasts count (docs/operations.md). @default not counted */
  readonly metrics?: Metrics | undefined;
  /**
   * The deployment's channel modules (the files of the construct's `channels`), so that a
   * connection this process finds gone (410) gets its module's `leave` with reason `'gone'`,
   * as when a route function reaps it. A `leave` that uses `socket.kv` needs the `kv#` grant.
   * @default the modules bundled into this function (the publish function's), else none
   */
  readonly channels?: readonly ChannelDefinition[] | undefined;
  /** Read the index of occupied channels the joins keep with the Pusher protocol on (Pusher's `GET /channels`). @default false */
  readonly channelIndex?: boolean | undefined;
  /**
   * PEM certificates trusted for the Management API besides Node's bundled roots: a private
   * CA, or under `npm start` / `topicast local` the local runtime's `tls-cert.pem`, which
   * signs the `https://127.0.0.1:<port>/<stage>` endpoints the connection rows record
   * (docs/local.md). NODE_EXTRA_CA_CERTS does the same for the whole process, when set at its start.
   * @default Node's trust store
   */
  readonly ca?: string | readonly string[] | undefined;
}

/** Settings from the environment; throws a message naming what is missing. */
export function serverSettingsFromEnvironment(env: Environment = process.env): ServerSettings {
  const tableName = env[PUBLISH_ENV.tableName];
  if (!tableName) {
    throw new Error(
      `${PUBLISH_ENV.tableName} is not set: call realtimeApi.grantPublish(fn) in your CDK app (it hands the settings over), ` +
        'or pass { tableName } explicitly',
    );
  }
  let config: TopicastConfigInput | undefined;
  const configText = env[PUBLISH_ENV.config];
  if (configText) {
    try {
      config = JSON.parse(configText) as TopicastConfigInput;
    } catch (error) {
      throw new Error(`${PUBLISH_ENV.config} is not valid JSON`, { cause: error });
    }
  }
  return { tableName, config, fanoutFunction: env[PUBLISH_ENV.fanoutFunction], region: env.AWS_REGION, dynamoEndpoint: env.DYNAMODB_ENDPOINT };
}

export function serverOperations(settings: ServerSettings, env: Environment = process.env): ServerOperations {
  const config = resolveConfig(settings.config ?? {});
  const region = settings.region;
  const credentials = settings.credentials;
  const documentClient = settings.documentClient ?? DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...(region ? { region } : {}), ...(settings.dynamoEndpoint ? { endpoint: settings.dynamoEndpoint } : {}), ...(credentials ? { credentials } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const store = new DynamoRealtimeStore(documentClient, settings.tableName);
  const signWith = credentials ? cachedCredentials(() => Promise.resolve(credentials)) : signingCredentials(env);
  // A `ca` given replaces Node's default store in TLS: Node's roots stay trusted beside it.
  const ca = settings.ca === undefined ? undefined : [...rootCertificates, ...(typeof settings.ca === 'string' ? [settings.ca] : settings.ca)];
  const sender = new SignedHttpMessageSender({
    ...(ca ? { transport: new LeanHttpTransport({ maxSockets: config.fanout.concurrency, ca }) } : {}),
    credentials: signWith,
    region: region ?? env.AWS_REGION ?? 'us-east-1',
    timeoutMs: config.fanout.postTimeoutMs,
    maxAttempts: config.fanout.maxAttempts,
    maxSockets: config.fanout.concurrency,
  });
  const dispatcher = settings.fanoutFunction
    ? workerDispatcher(settings.fanoutFunction, region ?? env.AWS_REGION ?? 'us-east-1', signWith, config.fanout.postTimeoutMs, env)
    : undefined;
  const logger = settings.logger ?? lambdaObservability().logger;
  const channelModules = settings.channels ? settings.channels.map((definition, index) => installChannel(definition, `channels[${index}]`)) : installedChannels();
  const broadcaster: Broadcaster = new Broadcaster({
    store,
    sender,
    config,
    logger,
    metrics: settings.metrics ?? noMetrics,
    clock: systemClock,
    dispatcher,
    // Reaping here ends subscriptions as in any route: their modules' `leave` runs ('gone').
    onLeave: channelModules.length > 0 ? (subscriptions, reason) => channels.leave(subscriptions, reason) : undefined,
    hasLeave: (topic) => channels.hasLeave(topic),
  });
  const closer = new SdkConnectionCloser(
    (endpoint) =>
      new ApiGatewayManagementApiClient({
        endpoint,
        ...(region ? { region } : {}),
        ...(credentials ? { credentials } : {}),
        ...(ca ? { requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca }) }) } : {}),
      }),
    config.fanout.postTimeoutMs,
  );
  const history = new TopicHistory(new DynamoHistoryStore(documentClient, settings.tableName, systemClock), config, systemClock);
  const kv = new DynamoChannelKv(documentClient, settings.tableName, systemClock);
  const channels = channelRuntimeFor({ channelModules, kv, config, logger, broadcaster, history });
  return new ServerOperations({
    store,
    broadcaster,
    config,
    closer,
    users: new DynamoUserConnections(documentClient, settings.tableName),
    history,
    ...(settings.channelIndex === true ? { channelIndex: new DynamoChannelIndex(documentClient, settings.tableName) } : {}),
  });
}
