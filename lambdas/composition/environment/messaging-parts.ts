import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { LambdaFanoutDispatcher, lambdaEndpointOf } from '../../adapters/fanout/lambda-fanout-dispatcher.js';
import { cachedCredentials, credentialsFromVariables, type CredentialProvider } from '../../adapters/management-api/credentials.js';
import { SignedHttpMessageSender } from '../../adapters/management-api/signed-http-sender.js';
import { SqsGraceTimer } from '../../adapters/sqs/sqs-grace-timer.js';
import { DynamoChannelIndex } from '../../adapters/dynamodb/channel-index.js';
import { DynamoChannelKv } from '../../adapters/dynamodb/channel-kv.js';
import { DynamoMemberClaims } from '../../adapters/dynamodb/member-claims.js';
import { DynamoHistoryStore } from '../../adapters/dynamodb/history-store.js';
import { DynamoRealtimeStore } from '../../adapters/dynamodb/realtime-store.js';
import { DEFAULT_TABLE_NAME } from '../../adapters/dynamodb/table-schema.js';
import { PUSHER_ENVIRONMENT } from '../../core/pusher/app.js';
import type { MessagingParts } from '../dependencies.js';
import { installedChannels } from '../installed-channels.js';
import { lambdaObservability } from '../observability.js';
import { randomIds, systemClock } from '../system.js';
import { configFromEnvironment, documentClient, endpointFromEnvironment, type Environment } from './shared.js';

/** Everything a messaging function needs but the fan-out dispatcher (the worker has none). */
export function messagingPartsFromEnvironment(env: Environment = process.env): MessagingParts {
  const config = configFromEnvironment(env);
  // One client (one connection pool) for the store and the channels' key-value items.
  const client = documentClient(env);
  const tableName = env.TABLE_NAME ?? DEFAULT_TABLE_NAME;
  const { logger, metrics } = lambdaObservability();
  return {
    config,
    logger,
    metrics,
    store: new DynamoRealtimeStore(client, tableName),
    clock: systemClock,
    ids: randomIds,
    channelModules: installedChannels(),
    kv: new DynamoChannelKv(client, tableName, systemClock),
    historyStore: new DynamoHistoryStore(client, tableName, systemClock),
    endpointFor: endpointFromEnvironment(env),
    graceTimer: graceTimerFromEnvironment(env),
    // With the Pusher protocol on, joins keep the index of occupied channels (GET /channels).
    ...(env[PUSHER_ENVIRONMENT.appId] ? { channelIndex: new DynamoChannelIndex(client, tableName), memberClaims: new DynamoMemberClaims(client, tableName) } : {}),
    // The fan-out hot path: SigV4-signed posts over a lean keep-alive pool, one socket per
    // post in flight (docs/performance.md). The region comes from each endpoint's host.
    sender: new SignedHttpMessageSender({
      credentials: signingCredentials(env),
      region: env.AWS_REGION ?? 'us-east-1',
      timeoutMs: config.fanout.postTimeoutMs,
      maxAttempts: config.fanout.maxAttempts,
      baseBackoffMs: config.fanout.retryBaseDelayMs,
      maxBackoffMs: config.fanout.retryMaxDelayMs,
      maxSockets: config.fanout.concurrency,
    }),
  };
}

/** The queue of held presences (`$disconnect` only). `AWS_ENDPOINT_URL_SQS` (else `AWS_ENDPOINT_URL`) points it elsewhere, as for the SDK. */
function graceTimerFromEnvironment(env: Environment): SqsGraceTimer | undefined {
  const queueUrl = env[GRACE_QUEUE_ENV];
  if (!queueUrl) return undefined;
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return new SqsGraceTimer({ queueUrl, region: env.AWS_REGION ?? 'us-east-1', credentials: signingCredentials(env), ...(endpoint ? { endpoint } : {}) });
}

/** The `$disconnect` function's variable naming the grace queue's URL. */
export const GRACE_QUEUE_ENV = 'TOPICAST_GRACE_QUEUE_URL';

/**
 * Lambda puts the execution role's credentials in the environment, valid for the life of
 * the execution environment: the cheapest correct source. Anywhere else (a container, a
 * laptop) the SDK's default chain finds them. Either way they are resolved once and
 * refreshed five minutes before they expire.
 */
export function signingCredentials(env: Environment = process.env): CredentialProvider {
  const fromVariables = credentialsFromVariables(env);
  return cachedCredentials(fromVariables ? () => Promise.resolve(fromVariables) : defaultProvider());
}

/**
 * The asynchronous invoke of the fan-out worker. `AWS_ENDPOINT_URL_LAMBDA` (else
 * `AWS_ENDPOINT_URL`) points it elsewhere, as it would the SDK's client (LocalStack).
 */
export function workerDispatcher(functionName: string, region: string, credentials: CredentialProvider, timeoutMs: number, env: Environment = process.env): LambdaFanoutDispatcher {
  const endpoint = env.AWS_ENDPOINT_URL_LAMBDA ?? env.AWS_ENDPOINT_URL ?? lambdaEndpointOf(region);
  return new LambdaFanoutDispatcher({ functionName, region, credentials, endpoint, timeoutMs });
}
