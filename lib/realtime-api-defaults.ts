/**
 * Pure defaults and prop validation for the `RealtimeApi` construct, kept apart from the
 * builder so that they can be read (and tested) without synthesizing anything.
 *
 * Nothing here creates a construct; the only CDK imports are enums and value types.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_TIMEOUT_SECONDS } from './function-timeouts.js';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import { ConfigError, resolveConfig, type AuthMode, type TopicastConfigInput } from '../lambdas/core/config.js';
import { lifecycleEventsConfig } from './lifecycle-events.js';
import { KEY_PREFIXES, type KeyPrefix } from '../lambdas/adapters/dynamodb/table-schema.js';

/** The API Gateway route keys of the WebSocket API, in creation order. */
export const ROUTE_KEYS = ['$connect', '$disconnect', 'join', 'leave', 'push', 'ping', '$default'] as const;
export type RouteKey = (typeof ROUTE_KEYS)[number];

/** Routes whose Lambda result is sent back to the client (two-way routes). */
export const MESSAGE_ROUTE_KEYS: readonly RouteKey[] = ['join', 'leave', 'push', 'ping', '$default'];

/** The route selection expression: native frames carry `action`; anything else hits `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';

/** Every function of the construct: one per route, the fan-out worker, the HTTP publish function and the presence stream reader. */
export type FunctionName = RouteKey | 'fanout-worker' | 'publish' | 'presence' | 'presence-grace';
/** The functions of the `pusher` prop (lib/pusher.ts): Pusher's HTTP API and the webhook sender. */
export type PusherFunctionName = 'pusher' | 'pusher-webhooks';

/** The handler file (under `lambdas/handlers/`) behind each function. */
export const HANDLER_FILES: Readonly<Record<FunctionName | PusherFunctionName, string>> = {
  $connect: 'connect.ts',
  $disconnect: 'disconnect.ts',
  join: 'join.ts',
  leave: 'leave.ts',
  push: 'push.ts',
  ping: 'ping.ts',
  $default: 'default.ts',
  'fanout-worker': 'fanout-worker.ts',
  publish: 'publish.ts',
  presence: 'presence-stream.ts',
  pusher: 'pusher.ts',
  'pusher-webhooks': 'pusher-webhooks.ts',
  'presence-grace': 'presence-grace.ts',
};

/** Construct-id friendly names for the functions (route keys contain `$`). */
export const FUNCTION_IDS: Readonly<Record<FunctionName | PusherFunctionName, string>> = {
  $connect: 'Connect',
  $disconnect: 'Disconnect',
  join: 'Join',
  leave: 'Leave',
  push: 'Push',
  ping: 'Ping',
  $default: 'Default',
  'fanout-worker': 'FanoutWorker',
  publish: 'Publish',
  presence: 'Presence',
  pusher: 'PusherApi',
  'pusher-webhooks': 'PusherWebhooks',
  'presence-grace': 'PresenceGrace',
};

// This module runs as TypeScript in a checkout (tsx, vitest) and as the compiled dist/lib/*.js
// of the installed package, where the handlers are compiled beside it: take their extension from ours.
const COMPILED = !import.meta.url.endsWith('.ts');

/** Absolute path of a handler entry file, resolved from this module. */
export function handlerEntry(name: FunctionName | PusherFunctionName): string {
  const file = COMPILED ? HANDLER_FILES[name].replace(/\.ts$/, '.js') : HANDLER_FILES[name];
  return fileURLToPath(new URL(`../lambdas/handlers/${file}`, import.meta.url));
}

/** The topicast package's root: the checkout, or node_modules/topicast (this module is in dist/lib there). */
const PACKAGE_ROOT = fileURLToPath(new URL(COMPILED ? '../..' : '..', import.meta.url));

/**
 * What NodejsFunction takes as the project root marker. A checkout has its lock file; an
 * installed package has none (npm never packs one), so its package.json marks the root:
 * NodejsFunction only uses the file to find the root (and npm is the default package manager).
 */
export const DEPS_LOCK_FILE_PATH = [join(PACKAGE_ROOT, 'package-lock.json'), join(PACKAGE_ROOT, 'package.json')].find((file) => existsSync(file)) as string;

/** Environment variable names the runtime reads (see lambdas/ composition root). */
export const ENV = {
  tableName: 'TABLE_NAME',
  config: 'TOPICAST_CONFIG',
  tokenSecretArn: 'TOPICAST_TOKEN_SECRET_ARN',
  jwksUrl: 'TOPICAST_JWKS_URL',
  tokenIssuer: 'TOPICAST_TOKEN_ISSUER',
  tokenAudience: 'TOPICAST_TOKEN_AUDIENCE',
  fanoutFunction: 'TOPICAST_FANOUT_FUNCTION',
  managementEndpoint: 'TOPICAST_MANAGEMENT_ENDPOINT',
  /** Which reader of the table's stream a presence function is (lambdas/composition/environment/presence.ts). */
  presenceWindowSeconds: 'TOPICAST_PRESENCE_WINDOW_SECONDS',
  /** The bus ARN the lifecycle-event reader publishes to (same file). */
  eventBus: 'TOPICAST_EVENT_BUS',
  /** The queue `$disconnect` delays held presences on (lambdas/composition/environment/messaging-parts.ts). */
  graceQueueUrl: 'TOPICAST_GRACE_QUEUE_URL',
} as const;

/** Lambda runtime of every function: the newest Node.js LTS that aws-cdk-lib knows. */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild target matching {@link RUNTIME}. */
export const ESBUILD_TARGET = 'node24';
/** Lambda CPU architecture (Graviton: cheaper per GB-second, no native modules involved). */
export const ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * Bundled ESM needs `require` for the CommonJS parts of the AWS SDK (and its dependencies),
 * which esbuild leaves as dynamic `require` calls.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const compositionFile = (name: string) => fileURLToPath(new URL(`../lambdas/composition/${name}.${COMPILED ? 'js' : 'ts'}`, import.meta.url));

/**
 * Modules replaced at bundle time (esbuild `alias`), about 100 KB of every SDK-carrying
 * bundle that a Lambda never runs: the SDK's default credential chain past its first link,
 * the environment variables (lambdas/composition/lambda-credentials.ts); the SDK's lazily
 * imported event-stream support, which no call topicast makes uses
 * (lambdas/composition/no-event-streams.ts); and the LRU cache library behind DynamoDB's
 * endpoint discovery, which topicast leaves off (lambdas/composition/map-lru-cache.ts). The
 * local gateway, CLI and server SDK are not bundled and keep the originals.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': compositionFile('lambda-credentials'),
  '@smithy/core/event-streams': compositionFile('no-event-streams'),
  'mnemonist/lru-cache': compositionFile('map-lru-cache'),
};

export const DEFAULTS = {
  stageName: 'prod',
  /**
   * The functions that do the big fan-outs: the fan-out worker, the presence functions and
   * the publish function. Lambda's CPU grows with memory: at 1024 MB a 500-subscriber batch
   * takes about a quarter of the time it takes at 256 MB, for about the same GB-seconds
   * (docs/performance.md).
   */
  memorySize: 1024,
  /**
   * The message routes (join, leave, push, `$default`, `$disconnect`). Most of their work is
   * small: a push to a few subscribers waits on DynamoDB and the Management API, and waiting
   * costs GB-seconds in proportion to memory. Topics above `fanout.workerThreshold` (250)
   * go to the fan-out worker, so an inline fan-out at 256 MB takes no longer than 1000
   * inline posts did at 1024 MB.
   */
  routeMemorySize: 256,
  /** `$connect` and `ping` never fan out: one PutItem and a JWT check, or nothing at all. */
  lightMemorySize: 256,
  /** See function-timeouts.ts (shared with the local gateway, which enforces them). */
  routeTimeout: Duration.seconds(DEFAULT_TIMEOUT_SECONDS.route),
  fanoutWorkerTimeout: Duration.seconds(DEFAULT_TIMEOUT_SECONDS.fanoutWorker),
  /** The worker is never retried: a retry would re-send to subscribers already reached. */
  fanoutRetryAttempts: 0,
  /** A worker event older than this is dropped to the on-failure queue instead of run late. */
  fanoutMaxEventAge: Duration.seconds(60),
  /** On-failure records expire after this (as long as the logs that explain them live). */
  fanoutFailureRetention: Duration.days(7),
  presenceTimeout: Duration.seconds(DEFAULT_TIMEOUT_SECONDS.presence),
  logRetention: logs.RetentionDays.ONE_WEEK,
  removalPolicy: RemovalPolicy.RETAIN,
  deletionProtection: false,
  auth: 'required' as AuthMode,
  throttle: { burstLimit: 500, rateLimit: 1000 },
  createAccountCloudWatchRole: true,
  dashboard: true,
} as const;

/** API Gateway's hard limit on a WebSocket integration (the client's reply would be lost after it). */
export const MAX_ROUTE_TIMEOUT = Duration.seconds(API_GATEWAY_LIMITS.integrationTimeoutSeconds);

/** The subset of construct props that becomes the runtime's `TOPICAST_CONFIG`. */
export type ConfigProps = TopicastConfigInput;

const CONFIG_KEYS = [
  'auth',
  'allowedOrigins',
  'limits',
  'presenceDisabled',
  'topicRules',
  'sharding',
  'fanout',
  'presence',
  'connectionTtlSeconds',
  'history',
] as const satisfies readonly (keyof TopicastConfigInput)[];

/**
 * The `TOPICAST_CONFIG` object: only the keys that are set, with `auth` defaulting to
 * `'required'` (a deployed API never accepts anonymous connections unless told to).
 */
export function buildRuntimeConfig(props: ConfigProps): TopicastConfigInput {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = props[key];
    if (value !== undefined) out[key] = value;
  }
  // The construct's prop may carry a bus, which is not config (it arrives as TOPICAST_EVENT_BUS).
  const lifecycleEvents = lifecycleEventsConfig(props.lifecycleEvents);
  if (lifecycleEvents) out.lifecycleEvents = lifecycleEvents;
  out.auth = props.auth ?? DEFAULTS.auth;
  return out as TopicastConfigInput;
}

/** Validation problems for the props, as human-readable messages (empty when valid). */
export function validateProps(props: {
  readonly stageName?: string;
  readonly memorySize?: number;
  readonly routeMemorySize?: number;
  readonly routeTimeout?: Duration;
  readonly fanoutWorkerTimeout?: Duration;
  readonly jwksUrl?: string;
  readonly managementEndpoint?: string;
  readonly throttle?: { readonly burstLimit?: number; readonly rateLimit?: number };
} & ConfigProps): string[] {
  const errors: string[] = [];
  const { stageName, memorySize, routeTimeout, fanoutWorkerTimeout, jwksUrl, managementEndpoint, throttle } = props;

  if (stageName !== undefined && !Token.isUnresolved(stageName) && !/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
    errors.push(`stageName must be 1-128 letters, digits, '-' or '_', got '${stageName}'`);
  }
  for (const [name, value] of [['memorySize', memorySize], ['routeMemorySize', props.routeMemorySize]] as const) {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 128 || value > 10240)) {
      errors.push(`${name} must be an integer from 128 to 10240 MB, got ${value}`);
    }
  }
  if (routeTimeout !== undefined && !routeTimeout.isUnresolved()) {
    const s = routeTimeout.toSeconds();
    if (s < 1 || s > MAX_ROUTE_TIMEOUT.toSeconds()) {
      errors.push(`routeTimeout must be from 1 to 29 seconds (API Gateway's integration limit), got ${s}`);
    }
  }
  if (fanoutWorkerTimeout !== undefined && !fanoutWorkerTimeout.isUnresolved()) {
    const s = fanoutWorkerTimeout.toSeconds();
    if (s < 1 || s > 900) errors.push(`fanoutWorkerTimeout must be from 1 to 900 seconds, got ${s}`);
  }
  if (jwksUrl !== undefined && !Token.isUnresolved(jwksUrl)) {
    let url: URL | undefined;
    try {
      url = new URL(jwksUrl);
    } catch {
      url = undefined;
    }
    // Keys fetched in the clear could be swapped for an attacker's, except on a loopback host,
    // which only a local runtime (npm start) reaches: its identity server may serve plain http.
    if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
      errors.push(`jwksUrl must be an https:// URL (or http:// on a loopback host, for a local runtime), got '${jwksUrl}'`);
    }
  }
  if (managementEndpoint !== undefined && !Token.isUnresolved(managementEndpoint) && !isHttpUrl(managementEndpoint)) {
    errors.push(`managementEndpoint must be an http(s):// URL such as https://{apiId}.execute-api.{region}.amazonaws.com/{stage}, got '${managementEndpoint}'`);
  }
  for (const [name, value] of Object.entries(throttle ?? {})) {
    if (value === undefined || Token.isUnresolved(value)) continue;
    if (!Number.isFinite(value) || value < 0) errors.push(`throttle.${name} must be a non-negative number, got ${value}`);
  }
  // The runtime's own schema (types, ranges, unknown keys: lambdas/core/config-schema.ts),
  // so the stack refuses at synth what the Lambdas would refuse at their first cold start.
  try {
    resolveConfig(buildRuntimeConfig(props));
  } catch (error) {
    if (error instanceof ConfigError) errors.push(...error.problems);
    else throw error;
  }
  return errors;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * DynamoDB access of one function: each action, and the partition-key prefixes
 * (table-schema.ts, `KEY_PREFIXES`) of the items it may address with it. Granted on the
 * table ARN only (no index exists), under `ForAllValues:StringLike dynamodb:LeadingKeys`,
 * so a role reaches only the kinds of items its code uses: `kv#`, `h#` and `l#` items only
 * through the channels, history and lifecycle-event statements, and only when those
 * features are on.
 */
export type TableAccess = Readonly<Record<string, readonly KeyPrefix[]>>;

/** What one function may do. */
export interface FunctionPermissions {
  /** DynamoDB actions (without the `dynamodb:` prefix) on the table, by key prefix. */
  readonly table: TableAccess;
  /** `execute-api:ManageConnections` (POST `@connections/*`) on this API's stage. */
  readonly manageConnections: boolean;
  /** `lambda:InvokeFunction` on the fan-out worker. */
  readonly invokeFanoutWorker: boolean;
  /** `secretsmanager:GetSecretValue` on the token-signing secret. */
  readonly readTokenSecret: boolean;
}

const { connection: C, topic: T, user: U, occupancy: O, member: M } = KEY_PREFIXES;

/**
 * Delivering to a topic: its subscribers (Query `t#`), and reaping the connections that
 * answer 410 Gone (lambdas/adapters/dynamodb/realtime-store.ts `removeConnections`): the
 * connection item is deleted first (DeleteItem `c#`), its partition read (Query `c#`),
 * then its items on both sides and its user lookup item go in batches that mix `c#`, `t#`
 * and `u#` keys (one BatchWriteItem is authorized once with all its keys), and a topic row
 * its partition no longer names is deleted alone (DeleteItem `t#`). Every function that
 * posts to connections does this, and so do the channel modules' broadcasts.
 */
const DELIVER: TableAccess = { Query: [C, T], DeleteItem: [C, T], BatchWriteItem: [C, T, U] };
/**
 * Join: the claim and the join/leave counters on the connection item (UpdateItem `c#`,
 * docs/infrastructure.md, Write protocol), the claim's check and rejoin reads (GetItem
 * `c#`), both sides of the subscription (PutItem `c#` and `t#`, DeleteItem when it is
 * undone), and the stamp of a join on a capped topic (UpdateItem `o#`, `markCappedJoin`).
 */
const JOIN: TableAccess = { UpdateItem: [C, O], GetItem: [C], PutItem: [C, T] };
/**
 * A named member's join (core/presence-grace.ts): its member record (GetItem and PutItem
 * `m#`), the takeover of its previous row (UpdateItem `t#`, `resumeMember`), and on a second
 * join on the same connection its own row's presence (GetItem `t#`, `ownPresence`).
 */
const MEMBER_JOIN: TableAccess = { GetItem: [M, T], PutItem: [M], UpdateItem: [T] };
/**
 * `$disconnect` holds a named member's row instead of deleting it (UpdateItem `t#`,
 * `holdRow`); when the grace timer cannot be set, it releases the row at once, member record
 * included (DeleteItem `m#`, `releaseHeld`).
 */
const MEMBER_HOLD: TableAccess = { UpdateItem: [T], DeleteItem: [M] };
/** The grace timer's function: the held row and the member record go (DeleteItem `t#`, `m#`, `releaseHeld`). */
const MEMBER_RELEASE: TableAccess = { DeleteItem: [M, T] };
/** Leave: the release and the counters on the connection item; the rows go with DeleteItem. */
const LEAVE: TableAccess = { UpdateItem: [C] };
/** Push: the connection item and the sender's rate-limit window (`c#<id>` / `r#<window>`). */
const PUSH: TableAccess = { GetItem: [C], UpdateItem: [C] };
/**
 * Presence joins read again after unordered posts (docs/infrastructure.md, Write protocol,
 * rule 7): the topic rows of the joins a worker batch delivered, or of the members a split
 * presence_state listed after its first frame, and for a named member whose row went, its
 * member record and the row of its latest join (BatchGetItem `t#`, `m#`, `heldPresenceRefs`).
 */
const PRESENCE_RECHECK: TableAccess = { BatchGetItem: [M, T] };
/** Presence windows: the topic's occupancy item (GetItem, then UpdateItem in `writeOccupancy`). */
const OCCUPANCY: TableAccess = { GetItem: [O], UpdateItem: [O] };

/** The union of several accesses: for each action, every prefix any of them allows. */
export function mergeTableAccess(...accesses: readonly TableAccess[]): TableAccess {
  const merged: Record<string, KeyPrefix[]> = {};
  for (const access of accesses) {
    for (const [action, prefixes] of Object.entries(access)) merged[action] = [...new Set([...(merged[action] ?? []), ...prefixes])].sort();
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** One statement per distinct set of prefixes, listing the actions allowed on exactly those. */
export function tableStatements(access: TableAccess): { actions: string[]; prefixes: KeyPrefix[] }[] {
  const byPrefixes = new Map<string, { actions: string[]; prefixes: KeyPrefix[] }>();
  for (const [action, prefixes] of Object.entries(mergeTableAccess(access))) {
    const key = prefixes.join(' ');
    const statement = byPrefixes.get(key) ?? { actions: [], prefixes: [...prefixes] };
    statement.actions.push(action);
    byPrefixes.set(key, statement);
  }
  return [...byPrefixes.values()];
}

/** Every action of an access, sorted. */
export function tableActions(access: TableAccess): string[] {
  return Object.keys(access).sort();
}

/**
 * The least-privilege matrix (docs/infrastructure.md renders the same table). Held by
 * test/e2e/iam-by-role.test.ts, which records every call the real handlers make and
 * evaluates it against the synthesized roles.
 */
export const PERMISSIONS: Readonly<Record<RouteKey | 'fanout-worker' | 'presence' | 'presence-grace', FunctionPermissions>> = {
  // The connection item, and the user's lookup item when the token has a `sub`.
  $connect: { table: { PutItem: [C, U] }, manageConnections: false, invokeFanoutWorker: false, readTokenSecret: true },
  // Removes the connection's items (as reaping does), and announces its leaves.
  // It also holds named members' rows for their reconnect (and sqs:SendMessage on the grace queue, beside it).
  $disconnect: { table: mergeTableAccess(DELIVER, MEMBER_HOLD), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  join: { table: mergeTableAccess(DELIVER, JOIN, MEMBER_JOIN, PRESENCE_RECHECK), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  leave: { table: mergeTableAccess(DELIVER, LEAVE), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  push: { table: mergeTableAccess(DELIVER, PUSH), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  ping: { table: {}, manageConnections: false, invokeFanoutWorker: false, readTokenSecret: false },
  // `$default` decodes Phoenix V2 array frames, which may be a join, a leave or a push.
  $default: { table: mergeTableAccess(DELIVER, JOIN, MEMBER_JOIN, PRESENCE_RECHECK, LEAVE, PUSH), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  // The worker posts to connections and reaps the ones that answer 410 Gone; after presence
  // joins it reads their rows again.
  'fanout-worker': { table: mergeTableAccess(DELIVER, PRESENCE_RECHECK), manageConnections: true, invokeFanoutWorker: false, readTokenSecret: false },
  // A stream reader (its stream grants are added beside its event source mapping): it
  // broadcasts each topic's diff like a push, reaps what answers 410 Gone, and, for topics
  // over their presence cap, reads and updates the topic's occupancy item.
  presence: { table: mergeTableAccess(DELIVER, OCCUPANCY), manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
  // The grace queue's reader (its queue grants come with its event source mapping): deletes only; the stream announces.
  'presence-grace': { table: MEMBER_RELEASE, manageConnections: false, invokeFanoutWorker: false, readTokenSecret: false },
};

/**
 * Management API methods the functions use: only POST (send a frame). No function reads
 * (GET) or closes (DELETE) a connection; whoever does (the server SDK's `disconnect`) is
 * granted DELETE on its own.
 */
export const MANAGE_CONNECTIONS_METHODS = ['POST'] as const;

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names its findings
 * (`{Ref: X}` -> `<X>`, `Fn::GetAtt [X, Y]` -> `<X.Y>`, `Fn::Join` concatenated), so that
 * a construct can acknowledge a granular finding such as
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]` without depending on cdk-nag.
 */
export function flattenCfnReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flattenCfnReference(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return flattenCfnReference(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flattenCfnReference(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** localhost, 127.0.0.0/8 or ::1: a host only the machine itself reaches. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}
