/**
 * `RealtimeApi`: Phoenix Channels over an API Gateway WebSocket API.
 *
 * One Lambda per route plus a fan-out worker, one DynamoDB table (shared definition with
 * the local gateway), a token-signing secret, and least-privilege roles written by hand.
 * Pure defaults and validation live in `realtime-api-defaults.ts`.
 */
import { Annotations, ArnFormat, type CfnElement, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { grantReadSecret } from './secret-grants.js';
import { functionBundling, functionCodeSource, recordLocalBundle } from './function-code.js';
import type { LocalBundleSpec } from '../local-runtime/assembly/local-bundling.js';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { resolveConfig, type AuthMode, type FanoutSettings, type HistoryRetention, type Limits, type PresenceSettings, type TopicRule, type TopicSharding } from '../lambdas/core/config.js';
import { PRESENCE_STREAM_MAPPING, TOPIC_ITEM_PREFIX, presenceStreamReaders } from '../lambdas/core/presence-readers.js';
import { CHANNEL_KV_PREFIX, TABLE_SCHEMA } from '../lambdas/adapters/dynamodb/table-schema.js';
import { channelEntry, channelProblems, expiredConnectionRowFilter, runsChannelCode } from './channel-entries.js';
import type { MetricKey } from '../lambdas/core/metrics.js';
import { observabilityEnvironment, RealtimeApiMonitoring, topicastMetric, type AlarmName } from './realtime-api-monitoring.js';
import {
  ARCHITECTURE,
  BUNDLE_ALIASES,
  DEFAULTS,
  ENV,
  ESBUILD_TARGET,
  ESM_REQUIRE_BANNER,
  FUNCTION_IDS,
  MANAGE_CONNECTIONS_METHODS,
  MESSAGE_ROUTE_KEYS,
  PERMISSIONS,
  ROUTE_KEYS,
  ROUTE_SELECTION_EXPRESSION,
  RUNTIME,
  buildRuntimeConfig,
  flattenCfnReference,
  handlerEntry,
  validateProps,
  isLoopbackHost,
  type FunctionName,
  type PusherFunctionName,
  type RouteKey,
} from './realtime-api-defaults.js';
import { HISTORY_FUNCTIONS, historyEnabled, historyStatement } from './history-access.js';
import { keyConfinedStatement, tableAccessStatements } from './table-grants.js';
import { connectionItemFilter, grantLifecycleEvents, lifecycleEventBus, type LifecycleEventsOptions } from './lifecycle-events.js';
import { readerPublishesEvents } from '../lambdas/core/lifecycle-events.js';
import { MOCK_ROUTES } from '../lambdas/core/protocol/heartbeat-route.js';
import { addMockRoute } from './mock-routes.js';
import {
  addPusherUrl,
  grantChannelIndexRead,
  grantWebhookTableRead,
  pusherDomain,
  pusherEnvironment,
  pusherProblems,
  pusherSecret,
  webhookEnvironment,
  wirePusherWebhooks,
  type PusherProps,
} from './pusher.js';
import { DEFAULT_LIFECYCLE_SOURCE } from '../lambdas/core/lifecycle-events.js';
import { wirePusherMemberClaims, wirePusherWebSocket } from './pusher-websocket.js';
import { PUBLISH_ENV } from '../lambdas/composition/environment/server.js';
import { acknowledgeConnectionsWildcard, addPublishUrl, grantPublishAccess, PUBLISHER_CONNECTION_METHODS, publishEnvironment, publishUrlOf, type PublishAccessProps } from './publish-access.js';

export { ROUTE_KEYS, MESSAGE_ROUTE_KEYS, type RouteKey } from './realtime-api-defaults.js';
export type { LifecycleEventsOptions } from './lifecycle-events.js';
export type { PusherProps, PusherWebhooksProps } from './pusher.js';

/** Which memory a function gets: big fan-outs, message routes, or neither. */
type FunctionWeight = 'bulk' | 'route' | 'light';

export interface RealtimeApiProps {
  /**
   * Name of the WebSocket API.
   * @default - the construct's id
   */
  readonly apiName?: string;
  /**
   * Stage name; part of the URL (`wss://.../{stageName}`) and of the management endpoint.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Default route throttling of the stage (requests per second and burst), per account and region.
   * @default { burstLimit: 500, rateLimit: 1000 }
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * Memory, in MB, of the functions that do the big fan-outs (the fan-out worker, the
   * presence functions, publish), and of the message routes too unless `routeMemorySize`
   * is given; CPU scales with it. `$connect`, `ping` and the presence grace timer's function,
   * which never fan out, get 256 MB.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Memory, in MB, of the message routes (join, leave, push, `$default`, `$disconnect`).
   * Their work is mostly waiting on DynamoDB and the Management API, which costs in
   * proportion to memory; topics above `fanout.workerThreshold` go to the fan-out worker.
   * @default memorySize when given, else 256
   */
  readonly routeMemorySize?: number;
  /**
   * Timeout of the route functions. At most 29 s: API Gateway drops the integration after that.
   * @default Duration.seconds(10)
   */
  readonly routeTimeout?: Duration;
  /**
   * Timeout of the fan-out worker.
   * @default Duration.seconds(60)
   */
  readonly fanoutWorkerTimeout?: Duration;
  /**
   * Retention of the function log groups and the stage access log group.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the table, the created token secret and the log groups when they
   * leave the stack. Use DESTROY for throwaway environments.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the table.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Create the account-level role that lets API Gateway write to CloudWatch Logs
   * (`AWS::ApiGateway::Account`). WebSocket access logging fails to deploy without it.
   * Set to false when the account already has one (it is one setting per account and region).
   * @default true
   */
  readonly createAccountCloudWatchRole?: boolean;
  /**
   * Who may connect: `required` rejects connections without a valid token, `optional`
   * verifies a token when given, `none` ignores tokens.
   * @default 'required'
   */
  readonly auth?: AuthMode;
  /**
   * The HS256 signing secret for tokens (a Secrets Manager secret whose value is the raw
   * secret string). Only `$connect` can read it.
   * @default - a new secret with a generated 64-character value
   */
  readonly tokenSecret?: secretsmanager.ISecret;
  /**
   * JWKS URL for RS256/ES256 tokens (e.g. Cognito's
   * `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`). https only,
   * except `http://` on a loopback host for a local runtime (synthesis then warns).
   * @default - only HS256 tokens signed with `tokenSecret` are accepted
   */
  readonly jwksUrl?: string;
  /**
   * Required `iss` claim of tokens (e.g. the Cognito user pool URL).
   * @default - the issuer is not checked
   */
  readonly tokenIssuer?: string;
  /**
   * Required `aud` claim of tokens (e.g. the Cognito app client id).
   * @default - the audience is not checked
   */
  readonly tokenAudience?: string;
  /**
   * Allowed `Origin` header values on connect.
   * @default [] - any origin
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Protocol limits (payload size, topics per connection, push rate).
   * @default - the runtime's defaults (see lambdas/core/config.ts)
   */
  readonly limits?: Partial<Limits>;
  /**
   * Topic patterns (`*` matches any run of characters) on which presence is not tracked.
   * @default [] - presence on every topic
   */
  readonly presenceDisabled?: readonly string[];
  /**
   * Claim requirements per topic pattern.
   * @default [] - any authenticated or anonymous (per `auth`) connection may join any
   *   topic, except `user:<sub>` topics, which only that `sub` may join
   */
  readonly topicRules?: readonly TopicRule[];
  /**
   * Topics whose subscribers are spread over several partition keys (for very large topics).
   * @default [] - one partition per topic
   */
  readonly sharding?: readonly TopicSharding[];
  /**
   * Fan-out tuning (posts in flight, worker threshold and batch size, retries).
   * @default - the runtime's defaults (see lambdas/core/config.ts)
   */
  readonly fanout?: Partial<FanoutSettings>;
  /**
   * The Management API endpoint the functions post to (`POST /@connections/{id}`). The
   * default is built from the API id and region, never from the request's `domainName`, so
   * it keeps working when clients connect through a custom domain. Set it only when posts
   * must take another route, e.g. a custom domain's `https://{domain}/{basePath}` or an
   * emulator's endpoint under `cdklocal`.
   * @default - `https://{apiId}.execute-api.{region}.{urlSuffix}/{stageName}`
   */
  readonly managementEndpoint?: string;
  /**
   * Presence coalescing: joins and leaves of a topic within `windowMs` reach each member as
   * one `presence_diff`, sent by a presence function reading the table's stream (whose
   * batching window it is, in whole seconds); per topic pattern in `topics`. `windowMs: 0`
   * sends a diff per change from the route function. `maxMembers` caps the connections a
   * topic's presence tracks: past it members get `presence_occupancy` counts instead of
   * diffs, and a join reads at most `maxMembers + 1` members. See docs/phoenix.md.
   * @default { windowMs: 1000, maxMembers: 200, topics: [] }
   */
  readonly presence?: Partial<PresenceSettings>;
  /**
   * Seconds a connection's items live before TTL deletes them.
   * @default - the runtime's default (7500 s: API Gateway's 2 h cap plus a margin)
   */
  readonly connectionTtlSeconds?: number;
  /**
   * Topic patterns whose broadcasts carry a per-topic `seq` and are kept for replay on
   * rejoin (`join` with `{"since": N}`) and for `history()` reads, e.g.
   * `{ 'room:*': { maxMessages: 100, ttlSeconds: 3600 } }`; the most specific pattern wins.
   * Each broadcast on such a topic costs two more writes (docs/performance.md).
   * @default {} - no history on any topic
   */
  readonly history?: Readonly<Record<string, Partial<HistoryRetention>>>;
  /**
   * Channel module files (paths relative to the CDK app's working directory, or absolute),
   * bundled into every function that runs channel code; the same files `npm start --
   * --channel` loads. Those functions may also read and write the table's `kv#` items
   * (`socket.kv`); grant them whatever else your modules call, e.g.
   * `api.functions.join.addToRolePolicy(...)`.
   * @default [] - no modules: joins follow the built-in rules, pushes are broadcast as sent
   */
  readonly channels?: readonly string[];
  /**
   * Create a CloudWatch dashboard of the API (connections, messages, deliveries, fan-out,
   * errors, throttles, alarms).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * SNS topic notified when an alarm fires and when it recovers (docs/operations.md).
   * @default - the alarms exist but notify nobody
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Lifecycle events (connected, disconnected, joined, left, occupied, vacated), published
   * to an EventBridge bus by the default window's presence function, from the table's
   * stream: TTL deletions of vanished connections included. `true` creates a bus
   * (`eventBus`); `{ bus, source }` uses yours and sets the events' `source`. At least once,
   * with a stable `detail.eventId`; schema and guarantees in docs/events.md.
   * @default false - no events
   */
  readonly lifecycleEvents?: boolean | LifecycleEventsOptions;
  /**
   * Pusher compatibility (docs/pusher.md): pusher-js and Laravel Echo connect with the app
   * key, the `pusher` server SDKs call Pusher's HTTP API (a Function URL authenticated by
   * Pusher's request signature), webhooks go to your URL. The app secret lives in Secrets
   * Manager; a custom domain maps `app/{key}` to the stage for pusher-js's fixed path.
   * Webhooks turn `lifecycleEvents` on.
   * @default - Pusher's protocol and HTTP API are off
   */
  readonly pusher?: PusherProps;
}

export type RealtimeFunctionName = FunctionName;

/** What `socket.kv` does to the table (see lambdas/adapters/dynamodb/channel-kv.ts). */
const CHANNEL_KV_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'];

const API_ID_PLACEHOLDER = '__TOPICAST_API_ID__';

const FUNCTION_DESCRIPTIONS: Partial<Record<RealtimeFunctionName | PusherFunctionName, string>> = {
  'fanout-worker': 'topicast fan-out worker',
  presence: 'topicast presence (table stream reader)',
  'presence-grace': 'topicast presence grace timer (held presences of reconnecting members)',
  pusher: "topicast Pusher HTTP API (Function URL, Pusher's request signature)",
  'pusher-webhooks': 'topicast Pusher webhooks (lifecycle events to your URL)',
};

export class RealtimeApi extends Construct {
  /** The WebSocket API (route selection on `$request.body.action`). */
  public readonly webSocketApi: apigwv2.WebSocketApi;
  /** The auto-deployed stage. */
  public readonly stage: apigwv2.WebSocketStage;
  /** The single table of connections and subscriptions. */
  public readonly table: dynamodb.Table;
  /** The function behind each route, keyed by API Gateway route key. */
  public readonly functions: Readonly<Record<RouteKey, nodejs.NodejsFunction>>;
  /** Invoked asynchronously by the route functions to spread large fan-outs. */
  public readonly fanoutWorker: nodejs.NodejsFunction;
  /**
   * The readers of the table's stream that announce presence (one per distinct window,
   * at most two): each receives the topic items' changes after its batching window.
   */
  public readonly presenceFunctions: readonly nodejs.NodejsFunction[];
  /** The HS256 token signing secret (created unless given). */
  public readonly tokenSecret: secretsmanager.ISecret;
  /** The bus lifecycle events go to (the given one, or the one created); undefined unless `lifecycleEvents`. */
  public readonly eventBus: events.IEventBus | undefined;
  /** `wss://{apiId}.execute-api.{region}.{urlSuffix}/{stage}` */
  public readonly webSocketUrl: string;
  /**
   * The Management API endpoint the functions post to: `managementEndpoint` when set, else
   * `https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}`.
   */
  public readonly managementEndpoint: string;
  /**
   * Fan-out batches the worker could not deliver (the handler failed or timed out, or the
   * event waited longer than its maximum age): the worker's on-failure destination.
   */
  public readonly fanoutFailureQueue: sqs.Queue;
  /** In alarm while {@link fanoutFailureQueue} holds a message: broadcasts were dropped. No action attached. */
  public readonly fanoutFailureAlarm: cloudwatch.Alarm;
  /**
   * The grace timer of presence across a reconnect (docs/phoenix.md): `$disconnect` sends one
   * message per held presence, delayed by the topic's grace period; {@link presenceGraceFunction} releases it.
   */
  public readonly graceQueue: sqs.Queue;
  /** Reads {@link graceQueue}: deletes each held row whose member did not come back (the stream announces its leave). */
  public readonly presenceGraceFunction: nodejs.NodejsFunction;
  /** The stage's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The HTTP publish API (`POST /publish`, `/presence`, `/occupancy`, `/disconnect`) behind an AWS_IAM Function URL. */
  public readonly publishFunction: nodejs.NodejsFunction;
  /** `https://{id}.lambda-url.{region}.on.aws`, without a trailing slash: POST `${publishUrl}/publish`, signed with SigV4. */
  public readonly publishUrl: string;
  /**
   * The settings the `topicast/server` SDK reads (TOPICAST_TABLE_NAME, TOPICAST_CONFIG,
   * TOPICAST_FANOUT_FUNCTION). `bindPublisher(fn)` adds them to a function; or pass them yourself.
   */
  public readonly publishEnvironment: Readonly<Record<string, string>>;
  private readonly publishAccess: PublishAccessProps;
  private readonly connectionsWildcardFindings: readonly string[];
  /** The Pusher app secret (given or generated); undefined unless `pusher`. */
  public readonly pusherSecret: secretsmanager.ISecret | undefined;
  /** Pusher's HTTP API (the server SDKs' `host`), behind a Function URL with auth NONE; undefined unless `pusher`. */
  public readonly pusherFunction: nodejs.NodejsFunction | undefined;
  /** The host the server SDKs are configured with (`host`, `useTLS: true`): `{id}.lambda-url.{region}.on.aws`. */
  public readonly pusherHttpHost: string | undefined;
  /** The custom domain pusher-js connects to (`wsHost`), with `app/{key}` mapped to the stage; undefined without `pusher.domainName`. */
  public readonly pusherDomain: apigwv2.DomainName | undefined;
  /** Sends the webhooks; undefined without `pusher.webhooks`. */
  public readonly pusherWebhookFunction: nodejs.NodejsFunction | undefined;
  /** Lifecycle events whose webhook failed every attempt (or never reached the function); undefined without `pusher.webhooks`. */
  public readonly pusherWebhookFailureQueue: sqs.Queue | undefined;
  /** Alarms on errors, throttles, dropped worker events and failed deliveries (docs/operations.md). */
  public readonly alarms: Readonly<Record<AlarmName, cloudwatch.Alarm>>;
  /** The CloudWatch dashboard, unless `dashboard: false`. */
  public readonly dashboard: cloudwatch.Dashboard | undefined;

  constructor(scope: Construct, id: string, given: RealtimeApiProps = {}) {
    super(scope, id);

    // Pusher webhooks are made from lifecycle events: asking for them turns the events on.
    const props: RealtimeApiProps = given.pusher?.webhooks && !given.lifecycleEvents ? { ...given, lifecycleEvents: true } : given;
    const errors = [...validateProps(props), ...channelProblems(props.channels), ...pusherProblems(props.pusher)];
    if (errors.length > 0) throw new Error(`Invalid RealtimeApi props (${this.node.path}):\n- ${errors.join('\n- ')}`);
    if (props.jwksUrl !== undefined && !Token.isUnresolved(props.jwksUrl) && isLoopbackHost(new URL(props.jwksUrl).hostname)) {
      Annotations.of(this).addWarningV2('topicast:jwksUrlLoopback', `jwksUrl ${props.jwksUrl} is on a loopback host: only a local runtime (npm start) reaches it; a deployed $connect cannot fetch its keys`);
    }

    const stageName = props.stageName ?? DEFAULTS.stageName;
    const removalPolicy = props.removalPolicy ?? DEFAULTS.removalPolicy;
    const logRetention = props.logRetention ?? DEFAULTS.logRetention;
    const stack = Stack.of(this);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode[TABLE_SCHEMA.billingMode],
      // The presence functions read every subscription change from here, TTL deletions included.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? DEFAULTS.deletionProtection,
      removalPolicy,
    });

    this.tokenSecret =
      props.tokenSecret ??
      new secretsmanager.Secret(this, 'TokenSecret', {
        description: 'topicast HS256 token signing secret (read by the $connect function only)',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });

    this.pusherSecret = props.pusher ? pusherSecret(this, props.pusher, removalPolicy) : undefined;
    const pusherEnv = props.pusher && this.pusherSecret ? pusherEnvironment(props.pusher, this.pusherSecret) : {};

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: props.apiName ?? id,
      description: 'topicast: Phoenix Channels over API Gateway WebSockets',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName,
      autoDeploy: true,
      throttle: {
        burstLimit: props.throttle?.burstLimit ?? DEFAULTS.throttle.burstLimit,
        rateLimit: props.throttle?.rateLimit ?? DEFAULTS.throttle.rateLimit,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            extendedRequestId: '$context.extendedRequestId',
            requestTime: '$context.requestTimeEpoch',
            connectionId: '$context.connectionId',
            eventType: '$context.eventType',
            routeKey: '$context.routeKey',
            status: '$context.status',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            integrationStatus: '$context.integration.status',
            integrationLatency: '$context.integration.latency',
            integrationError: '$context.integration.error',
            error: '$context.error.message',
          }),
        ),
      },
    });
    if (props.createAccountCloudWatchRole ?? DEFAULTS.createAccountCloudWatchRole) {
      this.addAccountCloudWatchRole();
    }

    this.webSocketUrl = this.stage.url;
    // The stage's callback URL is built from the API id, region and URL suffix: right behind
    // a custom domain too, where the request's domainName names the custom domain.
    this.managementEndpoint = props.managementEndpoint ?? this.stage.callbackUrl;

    const runtimeConfig = buildRuntimeConfig(props);
    const config = JSON.stringify(runtimeConfig);
    const history = historyEnabled(runtimeConfig);
    // Only this API's stage, only the @connections resource, only the methods the functions
    // call (POST: send). GET and DELETE are not granted: no function reads or closes connections.
    const connectionsArn = (apiId: string, method: string) =>
      stack.formatArn({
        service: 'execute-api',
        resource: apiId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        resourceName: `${this.stage.stageName}/${method}/@connections/*`,
      });
    const manageConnectionsArns = MANAGE_CONNECTIONS_METHODS.map((method) => connectionsArn(this.webSocketApi.apiId, method));

    const memoryOf: Record<FunctionWeight, number> = {
      bulk: props.memorySize ?? DEFAULTS.memorySize,
      route: props.routeMemorySize ?? props.memorySize ?? DEFAULTS.routeMemorySize,
      light: DEFAULTS.lightMemorySize,
    };
    const make = (name: RealtimeFunctionName | PusherFunctionName, timeout: Duration, environment: Record<string, string>, weight: FunctionWeight, id?: string) =>
      this.createFunction(name, {
        id,
        timeout,
        memorySize: memoryOf[weight],
        logRetention,
        removalPolicy,
        environment: { ...environment, [ENV.config]: config, ...observabilityEnvironment(this.webSocketApi.apiId) },
        channels: props.channels ?? [],
      });

    this.fanoutWorker = make('fanout-worker', props.fanoutWorkerTimeout ?? DEFAULTS.fanoutWorkerTimeout, {
      [ENV.tableName]: this.table.tableName,
      [ENV.managementEndpoint]: this.managementEndpoint,
    }, 'bulk');
    ({ queue: this.fanoutFailureQueue, alarm: this.fanoutFailureAlarm } = this.configureWorkerInvoke(removalPolicy));

    const routeTimeout = props.routeTimeout ?? DEFAULTS.routeTimeout;
    const functions = {} as Record<RouteKey, nodejs.NodejsFunction>;
    for (const routeKey of ROUTE_KEYS) {
      const permissions = PERMISSIONS[routeKey];
      const environment: Record<string, string> = {};
      if (Object.keys(permissions.table).length > 0) {
        environment[ENV.tableName] = this.table.tableName;
        environment[ENV.managementEndpoint] = this.managementEndpoint;
      }
      if (permissions.invokeFanoutWorker) environment[ENV.fanoutFunction] = this.fanoutWorker.functionName;
      if (permissions.readTokenSecret) {
        environment[ENV.tokenSecretArn] = this.tokenSecret.secretArn;
        if (props.jwksUrl !== undefined) environment[ENV.jwksUrl] = props.jwksUrl;
        if (props.tokenIssuer !== undefined) environment[ENV.tokenIssuer] = props.tokenIssuer;
        if (props.tokenAudience !== undefined) environment[ENV.tokenAudience] = props.tokenAudience;
      }
      functions[routeKey] = make(routeKey, routeTimeout, environment, permissions.manageConnections ? 'route' : 'light');
    }
    this.functions = functions;

    for (const name of [...ROUTE_KEYS, 'fanout-worker'] as const) {
      const fn = name === 'fanout-worker' ? this.fanoutWorker : functions[name];
      this.grant(fn, PERMISSIONS[name], manageConnectionsArns);
    }
    // Pusher connections open on $connect (greeted through the worker) and speak through $default (channel auth).
    if (props.pusher && this.pusherSecret) wirePusherWebSocket(this, { appId: props.pusher.appId, key: props.pusher.key, secret: this.pusherSecret });

    if (history) {
      for (const name of HISTORY_FUNCTIONS) {
        // The publish function's grant is its own; the presence functions get theirs below.
        if (name === 'publish' || name === 'presence' || name === 'presence-grace') continue;
        (name === 'fanout-worker' ? this.fanoutWorker : functions[name]).addToRolePolicy(historyStatement(this.table.tableArn));
      }
    }

    this.eventBus = lifecycleEventBus(this, props.lifecycleEvents);
    this.presenceFunctions = presenceStreamReaders(resolveConfig(buildRuntimeConfig(props)).presence).map((reader, index) => {
      // One reader publishes the events, so that each stream record becomes one event.
      const eventBus = readerPublishesEvents(reader) ? this.eventBus : undefined;
      const fn = make(
        'presence',
        DEFAULTS.presenceTimeout,
        {
          [ENV.tableName]: this.table.tableName,
          [ENV.managementEndpoint]: this.managementEndpoint,
          [ENV.fanoutFunction]: this.fanoutWorker.functionName,
          [ENV.presenceWindowSeconds]: String(reader.windowSeconds),
          ...(eventBus ? { [ENV.eventBus]: eventBus.eventBusArn } : {}),
        },
        'bulk',
        index === 0 ? undefined : `${FUNCTION_IDS.presence}${reader.windowSeconds}s`,
      );
      if (eventBus) grantLifecycleEvents(fn, eventBus, this.table.tableArn);
      this.grant(fn, PERMISSIONS.presence, manageConnectionsArns);
      // Reaping runs channel `leave` callbacks, which may broadcast to topics with history.
      if (history) fn.addToRolePolicy(historyStatement(this.table.tableArn));
      this.readStream(fn);
      new lambda.EventSourceMapping(this, `${fn.node.id}Stream`, {
        target: fn,
        eventSourceArn: this.table.tableStreamArn as string,
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: PRESENCE_STREAM_MAPPING.batchSize,
        maxBatchingWindow: Duration.seconds(reader.windowSeconds),
        retryAttempts: PRESENCE_STREAM_MAPPING.retryAttempts,
        reportBatchItemFailures: true,
        // Only topic subscription items (and, for lifecycle events, connections created or
        // deleted): rate-window, kv, history and marker items never invoke it.
        filters: [
          lambda.FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: (reader.prefixes ?? [TOPIC_ITEM_PREFIX]).flatMap((prefix) => lambda.FilterRule.beginsWith(prefix)) } } } }),
          ...(eventBus ? [connectionItemFilter()] : []),
          // One reader runs the `leave` of connection rows TTL deleted.
          ...((props.channels ?? []).length > 0 && reader.prefixes === null ? [expiredConnectionRowFilter()] : []),
        ],
      });
      return fn;
    });

    // The stream readers announce Pusher presence users too: they claim each member_added.
    if (props.pusher && this.pusherSecret) wirePusherMemberClaims(this.presenceFunctions, this.table.tableArn, props.pusher.appId);

    ({ queue: this.graceQueue, fn: this.presenceGraceFunction } = this.configureGraceTimer(make, removalPolicy, functions.$disconnect, manageConnectionsArns));

    this.publishAccess = {
      table: this.table,
      fanoutWorker: this.fanoutWorker,
      config,
      connectionsArn: (method) => connectionsArn(this.webSocketApi.apiId, method),
      history,
    };
    this.publishEnvironment = publishEnvironment(this.publishAccess);
    this.publishFunction = make('publish', routeTimeout, { ...this.publishEnvironment }, 'bulk');
    grantPublishAccess(this.publishFunction, this.publishAccess);
    this.publishUrl = publishUrlOf(addPublishUrl(this.publishFunction));

    if (props.pusher && this.pusherSecret) {
      this.pusherFunction = make('pusher', routeTimeout, { ...this.publishEnvironment, ...pusherEnv }, 'bulk');
      grantPublishAccess(this.pusherFunction, this.publishAccess);
      grantChannelIndexRead(this.pusherFunction, this.table.tableArn);
      grantReadSecret(this.pusherFunction, this.pusherSecret);
      this.pusherHttpHost = Fn.select(2, Fn.split('/', addPusherUrl(this.pusherFunction).url));
      this.pusherDomain = pusherDomain(this, props.pusher, this.webSocketApi, this.stage);
    }
    if (props.pusher?.webhooks && this.pusherSecret && this.eventBus) {
      const fn = make(
        'pusher-webhooks',
        routeTimeout,
        { [PUBLISH_ENV.tableName]: this.table.tableName, ...pusherEnv, ...webhookEnvironment(props.pusher.webhooks) },
        'light',
      );
      grantReadSecret(fn, this.pusherSecret);
      grantWebhookTableRead(fn, this.table.tableArn);
      const lifecycle = props.lifecycleEvents;
      const source = typeof lifecycle === 'object' && lifecycle.source ? lifecycle.source : DEFAULT_LIFECYCLE_SOURCE;
      ({ queue: this.pusherWebhookFailureQueue } = wirePusherWebhooks(this, { fn, bus: this.eventBus, source, webhooks: props.pusher.webhooks, removalPolicy }));
      this.pusherWebhookFunction = fn;
    }

    for (const routeKey of ROUTE_KEYS) {
      this.webSocketApi.addRoute(routeKey, {
        integration: new WebSocketLambdaIntegration(`${FUNCTION_IDS[routeKey]}Integration`, functions[routeKey]),
        returnResponse: MESSAGE_ROUTE_KEYS.includes(routeKey),
      });
    }
    // `heartbeat`: answered by API Gateway (MOCK), so an idle client's keep-alive runs no function. Under the
    // API, as addRoute puts its routes: the API's acknowledged findings (APIG4) cover it too.
    for (const route of MOCK_ROUTES) addMockRoute(this.webSocketApi, `${route.routeKey[0]?.toUpperCase()}${route.routeKey.slice(1)}Mock`, this.webSocketApi, route);

    this.connectionsWildcardFindings = this.acknowledgeInherentFindings((method) => connectionsArn(API_ID_PLACEHOLDER, method));
    if (this.pusherFunction) acknowledgeConnectionsWildcard(this.pusherFunction, this.connectionsWildcardFindings);

    const monitoring = new RealtimeApiMonitoring(this, 'Monitoring', {
      apiId: this.webSocketApi.apiId,
      stage: this.stage,
      functions: [...Object.values(functions), this.fanoutWorker, this.publishFunction, ...(this.pusherFunction ? [this.pusherFunction] : [])],
      fanoutWorker: this.fanoutWorker,
      workerFailures: this.fanoutFailureAlarm,
      publishFunction: this.publishFunction,
      table: this.table,
      dashboard: props.dashboard ?? DEFAULTS.dashboard,
      alarmTopic: props.alarmTopic,
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }

  /**
   * Lets `grantee` (your own Lambda, a role) use the `topicast/server` SDK: Query,
   * BatchWriteItem and DeleteItem on the table's connection, topic and user items
   * (`PUBLISHER_TABLE_ACCESS`; history items too when history is on), ManageConnections POST and DELETE on this stage's
   * connections, and invoking the fan-out worker for big topics. Hand it the settings too:
   * `publishEnvironment`, or use `bindPublisher(fn)` for both.
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const grant = grantPublishAccess(grantee, this.publishAccess);
    acknowledgeConnectionsWildcard(grantee, this.connectionsWildcardFindings);
    return grant;
  }

  /** `grantPublish(fn)` plus `publishEnvironment` added to the function's environment. */
  public bindPublisher(fn: lambda.Function): iam.Grant {
    for (const [name, value] of Object.entries(this.publishEnvironment)) fn.addEnvironment(name, value);
    return this.grantPublish(fn);
  }

  /** Lets `grantee` call the HTTP publish API (`lambda:InvokeFunctionUrl`, signed requests to `publishUrl`). */
  public grantPublishUrl(grantee: iam.IGrantable): iam.Grant {
    return this.publishFunction.grantInvokeUrl(grantee);
  }

  /**
   * The worker's asynchronous invoke: no retry (a retried batch would re-send to every
   * subscriber it already reached: broadcasts are at most once, as in Phoenix), events
   * dropped after a minute (a broadcast hours late is worse than none; Lambda's default
   * keeps them 6 h), and whatever fails lands in an encrypted queue whose messages expire
   * on their own, with an alarm as soon as one is there.
   */
  private configureWorkerInvoke(removalPolicy: RemovalPolicy): { queue: sqs.Queue; alarm: cloudwatch.Alarm } {
    const queue = new sqs.Queue(this, 'FanoutFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEFAULTS.fanoutFailureRetention,
      removalPolicy,
    });
    // Only sqs:SendMessage, which is all Lambda needs to deliver an on-failure record
    // (SqsDestination would also grant GetQueueAttributes and GetQueueUrl).
    const onFailure: lambda.IDestination = {
      bind: (_scope, fn) => {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
        return { destination: queue.queueArn };
      },
    };
    this.fanoutWorker.configureAsyncInvoke({ retryAttempts: DEFAULTS.fanoutRetryAttempts, maxEventAge: DEFAULTS.fanoutMaxEventAge, onFailure });
    const alarm = new cloudwatch.Alarm(this, 'FanoutFailuresAlarm', {
      alarmDescription:
        'topicast: a fan-out worker batch failed or expired, so a broadcast did not reach some subscribers. ' +
        'The on-failure records are in the FanoutFailures queue (request and error); the worker logs say why.',
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination (Lambda on-failure destination) of the fan-out worker; ' +
        'a dead-letter queue of its own would only move the same records once more.',
    });
    return { queue, alarm };
  }

  /** One of topicast's own metrics (namespace `Topicast`, dimensions `service` and `ApiId`). */
  public metric(key: MetricKey, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return topicastMetric(this.webSocketApi.apiId, key, options);
  }

  /** Connections accepted by `$connect`. Sum over 5 minutes by default, as every count below. */
  public metricConnectionsOpened(options?: cloudwatch.MetricOptions) {
    return this.metric('connectionsOpened', options);
  }
  /** Connections cleaned up by `$disconnect`. */
  public metricConnectionsClosed(options?: cloudwatch.MetricOptions) {
    return this.metric('connectionsClosed', options);
  }
  /** Successful joins; add `dimensionsMap: { TopicPattern: 'room:*' }` for one pattern. */
  public metricJoins(options?: cloudwatch.MetricOptions) {
    return this.metric('joins', options);
  }
  /** Successful leaves. */
  public metricLeaves(options?: cloudwatch.MetricOptions) {
    return this.metric('leaves', options);
  }
  /** Refused connects and frames; add `dimensionsMap: { Reason: 'rate_limited' }` for one reason. */
  public metricRefusals(options?: cloudwatch.MetricOptions) {
    return this.metric('refusals', options);
  }
  /** Client events broadcast. */
  public metricPushes(options?: cloudwatch.MetricOptions) {
    return this.metric('pushes', options);
  }
  /** Messages posted to connections. */
  public metricDeliveries(options?: cloudwatch.MetricOptions) {
    return this.metric('deliveries', options);
  }
  /** Posts refused for good or lost after they were written. */
  public metricFailedDeliveries(options?: cloudwatch.MetricOptions) {
    return this.metric('failedDeliveries', options);
  }
  /** Deliveries neither made nor handed to a worker (a refused worker invoke, a deadline without workers). */
  public metricDroppedDeliveries(options?: cloudwatch.MetricOptions) {
    return this.metric('droppedDeliveries', options);
  }
  /** Posts answered 410 Gone. */
  public metricGoneConnections(options?: cloudwatch.MetricOptions) {
    return this.metric('goneConnections', options);
  }
  /** Stale connections removed. */
  public metricConnectionsReaped(options?: cloudwatch.MetricOptions) {
    return this.metric('connectionsReaped', options);
  }
  /** Post attempts after the first: 429 (the account's Management API throttle), transient 5xx, refused connections. */
  public metricRetriedPosts(options?: cloudwatch.MetricOptions) {
    return this.metric('retriedPosts', options);
  }
  /** Time to deliver one broadcast or worker batch, in ms; p99 over 5 minutes by default. */
  public metricFanoutDuration(options?: cloudwatch.MetricOptions) {
    return this.metric('fanoutDuration', options);
  }
  /** Size of presence_state and presence_diff frames, in bytes; p99 by default. */
  public metricPresenceFrameBytes(options?: cloudwatch.MetricOptions) {
    return this.metric('presenceFrameBytes', options);
  }
  /** Fan-out batches handed to the worker. */
  public metricWorkerBatches(options?: cloudwatch.MetricOptions) {
    return this.metric('workerBatches', options);
  }

  /**
   * The grace timer: an encrypted queue whose messages are delayed per message (SQS's
   * DelaySeconds, up to 900 s), read by a small function through an event source mapping
   * that reports partial batch failures; what fails three times lands in a dead-letter
   * queue (the row's short TTL still ends it: docs/phoenix.md). `$disconnect` may only send.
   */
  private configureGraceTimer(
    make: (name: RealtimeFunctionName, timeout: Duration, environment: Record<string, string>, weight: FunctionWeight) => nodejs.NodejsFunction,
    removalPolicy: RemovalPolicy,
    disconnect: nodejs.NodejsFunction,
    manageConnectionsArns: string[],
  ): { queue: sqs.Queue; fn: nodejs.NodejsFunction } {
    const deadLetters = new sqs.Queue(this, 'GraceQueueFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEFAULTS.fanoutFailureRetention,
      removalPolicy,
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the presence grace queue.',
    });
    const queue = new sqs.Queue(this, 'GraceQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // At least the function's timeout (Lambda requires it), so a message in flight is not delivered twice meanwhile.
      visibilityTimeout: Duration.seconds(30),
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
      removalPolicy,
    });
    const fn = make('presence-grace', Duration.seconds(10), { [ENV.tableName]: this.table.tableName }, 'light');
    this.grant(fn, PERMISSIONS['presence-grace'], manageConnectionsArns);
    fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
    disconnect.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    disconnect.addEnvironment(ENV.graceQueueUrl, queue.queueUrl);
    return { queue, fn };
  }

  private createFunction(
    name: RealtimeFunctionName | PusherFunctionName,
    options: {
      /** Construct id when one function name has several instances. @default FUNCTION_IDS[name] */
      id?: string | undefined;
      timeout: Duration;
      memorySize: number;
      logRetention: logs.RetentionDays;
      removalPolicy: RemovalPolicy;
      environment: Record<string, string>;
      channels: readonly string[];
    },
  ): nodejs.NodejsFunction {
    const id = options.id ?? FUNCTION_IDS[name];
    // An explicit log group and role: retention is set, and the role holds exactly the
    // log-write permission on that group instead of the AWSLambdaBasicExecutionRole managed policy.
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.logRetention,
      removalPolicy: options.removalPolicy,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `topicast ${name} function`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const bundle: LocalBundleSpec = {
      entry: options.channels.length > 0 && runsChannelCode(name) ? channelEntry(name, options.channels) : handlerEntry(name),
      handlerExport: 'handler',
      format: 'esm',
      minify: true,
      target: ESBUILD_TARGET,
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      // Bundle the AWS SDK clients too: a cold start then loads only what is used.
      external: [],
      alias: BUNDLE_ALIASES,
    };
    const fn = new nodejs.NodejsFunction(this, id, {
      ...functionCodeSource(this, bundle),
      description: FUNCTION_DESCRIPTIONS[name] ?? `topicast ${name} route`,
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      environment: options.environment,
      ...functionBundling(this, bundle),
    });
    recordLocalBundle(fn, bundle);
    // The role's policy must exist before the function can log or be invoked.
    fn.node.addDependency(role);
    if (this.runsChannels(name, options.channels)) {
      // socket.kv: kv# items only, by partition-key prefix. The role's other table statements
      // name only the prefixes of the function's own items (PERMISSIONS), so this statement
      // is the only way to kv# items and reaches nothing else. Module code runs with the
      // whole role: it may also do what the function itself may (the confinement is the
      // role's, not the module's), but never touch h#, l#, o# or u# items its function
      // does not use.
      role.addToPrincipalPolicy(keyConfinedStatement(this.table.tableArn, CHANNEL_KV_ACTIONS, [CHANNEL_KV_PREFIX]));
    }
    return fn;
  }

  private runsChannels(name: RealtimeFunctionName | PusherFunctionName, channels: readonly string[]): boolean {
    return channels.length > 0 && runsChannelCode(name);
  }

  /** What a Lambda event source mapping needs to read the table's stream (AWS's example policy, narrowed to this table). */
  private readStream(fn: lambda.IFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [this.table.tableStreamArn as string],
      }),
    );
    // The stream's ARN changes whenever the stream is re-enabled: listing is granted on this table's streams.
    const streamsArn = `${this.table.tableArn}/stream/*`;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [streamsArn] }));
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(streamsArn))}]`,
      reason: "dynamodb:ListStreams for the event source mapping, on this table's streams only (their ARNs carry a creation time).",
    });
  }

  private grant(fn: lambda.IFunction, permissions: (typeof PERMISSIONS)[keyof typeof PERMISSIONS], manageConnectionsArns: string[]) {
    for (const statement of tableAccessStatements(this.table.tableArn, permissions.table)) fn.addToRolePolicy(statement);
    if (permissions.manageConnections) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: manageConnectionsArns }));
    }
    if (permissions.invokeFanoutWorker) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fanoutWorker.functionArn] }));
    }
    if (permissions.readTokenSecret) grantReadSecret(fn, this.tokenSecret);
  }

  private addAccountCloudWatchRole() {
    const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write access logs to CloudWatch Logs (account-level setting)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    // The account setting keeps pointing at this role after the stack is gone; other APIs
    // in the account may rely on it.
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    this.stage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The API Gateway account role serves every API in the account and region, so it uses the AWS-maintained ' +
        'policy for log delivery rather than one scoped to this stack’s log groups.',
    });
  }

  /** Findings inherent to the design, acknowledged here so that every user of the construct gets them. */
  private acknowledgeInherentFindings(connectionsArnFor: (method: string) => string): string[] {
    Validations.of(this.webSocketApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'WebSocket APIs can only authorize $connect; topicast verifies the JWT (query string or ' +
        'Sec-WebSocket-Protocol) inside the $connect Lambda and rejects the handshake with 401/403. ' +
        'Message routes are reachable only on an accepted connection. See docs/infrastructure.md.',
    });

    // IAM5 names each wildcard resource. The ARN is resolved with a placeholder for the API id
    // (resolving the real Ref would lock the API's logical id) and flattened as cdk-nag does.
    const stack = Stack.of(this);
    const apiLogicalId = stack.getLogicalId(this.webSocketApi.node.defaultChild as CfnElement);
    const findingFor = (method: string) =>
      `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(connectionsArnFor(method))).replace(API_ID_PLACEHOLDER, `<${apiLogicalId}>`)}]`;
    // The route functions only post; publishers also close connections (disconnect).
    const findings = MANAGE_CONNECTIONS_METHODS.map(findingFor);
    const publisherFindings = PUBLISHER_CONNECTION_METHODS.map(findingFor);
    acknowledgeConnectionsWildcard(this.publishFunction, publisherFindings);
    const posters = [...ROUTE_KEYS.filter((name) => PERMISSIONS[name].manageConnections).map((name) => this.functions[name]), this.fanoutWorker, ...this.presenceFunctions];
    for (const fn of posters) {
      for (const id of findings) {
        Validations.of(fn.role!).acknowledge({
          id,
          reason:
            'execute-api:ManageConnections is granted on this API and stage only; connection ids are ' +
            'created at runtime by API Gateway, so `@connections/*` is the narrowest resource that exists.',
        });
      }
    }

    if (this.tokenSecret instanceof secretsmanager.Secret) {
      Validations.of(this.tokenSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The HS256 token secret is shared with the token issuer; automatic rotation would invalidate every ' +
          'issued token and the issuer copy. Rotate it deliberately or bring your own secret via `tokenSecret`.',
      });
    }
    return publisherFindings;
  }
}
