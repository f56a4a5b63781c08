/**
 * Runtime settings of topicast. Pure data with documented defaults; the composition
 * root fills it from the environment (locally) or from construct props (deployed).
 * Input is checked against the schema in config-schema.ts before it is merged.
 */
import { API_GATEWAY_LIMITS, ENVELOPE_RESERVE_BYTES } from './api-gateway-limits.js';
import { validateConfigInput } from './config-schema.js';
import { DEFAULT_LIFECYCLE_SOURCE } from './lifecycle-events.js';
import { PRESENCE_LIMITS } from './presence-readers.js';

export { ConfigError } from './config-schema.js';

export type AuthMode = 'none' | 'optional' | 'required';

/** A requirement on token claims for topics matching `pattern`. */
export interface TopicRule {
  /** Topic pattern; `*` matches any run of characters, e.g. `admin:*`. */
  readonly pattern: string;
  /** Claims that must be present with one of the listed values, e.g. `{ role: ['admin'] }`. */
  readonly claims?: Readonly<Record<string, readonly string[]>>;
  /** Whether connections without a token may join. @default true */
  readonly allowAnonymous?: boolean;
}

/** Spreads one topic's subscriptions over several partition keys. */
export interface TopicSharding {
  readonly pattern: string;
  /** Number of partition keys; each holds 1/shards of the subscribers. */
  readonly shards: number;
}

export interface Limits {
  /**
   * Largest serialized (compact JSON, UTF-8) push/join payload, in bytes. The default
   * leaves room for the frame's envelope (topic, event, refs) within API Gateway's 32 KB
   * frame, so a maximal push still fits in one frame (docs/protocol.md). @default 28672
   */
  readonly maxPayloadBytes: number;
  /** Largest presence meta object, in bytes. @default 1024 */
  readonly maxMetaBytes: number;
  /** Topics one connection may have joined at once. @default 100 */
  readonly maxTopicsPerConnection: number;
  /** Pushes one connection may make per window. @default 100 */
  readonly maxPushesPerWindow: number;
  /**
   * Pushes an execution environment counts in memory before it adds them to the
   * connection's counter in DynamoDB (one write per that many pushes instead of one per
   * push). A connection whose pushes E environments serve in one window can exceed
   * `maxPushesPerWindow` by at most E × (this − 1); 1 makes the limit exact
   * (docs/security.md, "Rate limits"). @default 10
   */
  readonly pushesPerCounterWrite: number;
  /**
   * Joins and leaves together one connection may make per window: each one writes the
   * table and a join with presence sends a diff to every member. @default 50
   */
  readonly maxJoinsPerWindow: number;
  /** Length of the rate-limit windows (pushes; joins and leaves), in seconds. @default 10 */
  readonly rateLimitWindowSeconds: number;
  /** Deepest JSON nesting accepted in a frame. @default 32 */
  readonly maxJsonDepth: number;
  /** Largest `socket.assigns` a channel module's join may store, in bytes of JSON. @default 4096 */
  readonly maxAssignsBytes: number;
  /** Time a channel module's callback may take before the client gets `internal_error`. @default 5000 */
  readonly channelTimeoutMs: number;
}

export interface FanoutSettings {
  /** Management-API posts in flight at once per invocation. @default 64 */
  readonly concurrency: number;
  /**
   * Subscriber count above which a push is split over fan-out workers. The message routes
   * run at 256 MB (a small push mostly waits, and waiting costs in proportion to memory);
   * 250 inline posts at that CPU share take about as long as 1000 at 1024 MB. @default 250
   */
  readonly workerThreshold: number;
  /** Subscribers handed to one fan-out worker. @default 500 */
  readonly workerBatchSize: number;
  /**
   * Timeout of one management-API post attempt, in milliseconds, counted from when its
   * request is written (not while it waits for a free socket). @default 3000
   */
  readonly postTimeoutMs: number;
  /**
   * Attempts for a post that provably was not delivered (429, 500/502/503/504, a
   * connection that could not be opened), including the first. @default 4
   */
  readonly maxAttempts: number;
  /** Full-jitter backoff: the wait before retry n is random() × min(retryMaxDelayMs, retryBaseDelayMs × 2^(n-1)), at least Retry-After. @default 100 */
  readonly retryBaseDelayMs: number;
  /** @default 2000 */
  readonly retryMaxDelayMs: number;
  /**
   * Time kept back from the end of an invocation, in milliseconds: inline posts stop this
   * long (plus one post timeout) before the function's deadline, so what is left can be
   * handed to fan-out workers, gone connections reaped and the client answered. @default 1000
   */
  readonly deadlineMarginMs: number;
}

/**
 * How long a topic's broadcasts are kept for replay (docs/protocol.md, "History and
 * replay"). A message is kept while it is among the topic's last `maxMessages` AND younger
 * than `ttlSeconds`.
 */
export interface HistoryRetention {
  /** Messages a join may replay (the newest ones). @default 100 */
  readonly maxMessages: number;
  /** Seconds a message is kept (its item's TTL). @default 3600 */
  readonly ttlSeconds: number;
}

/** Presence settings of the topics a pattern matches; the first matching entry wins. */
export interface PresenceTopicSettings {
  /** Topic pattern; `*` matches any run of characters, e.g. `room:*`. */
  readonly pattern: string;
  /** Coalescing window of these topics, in milliseconds; 0 sends each change at once. @default presence.windowMs */
  readonly windowMs?: number;
  /** Connections tracked in one of these topics' presence before it switches to occupancy. @default presence.maxMembers */
  readonly maxMembers?: number;
  /** How long these topics hold a reconnecting member's leave, in milliseconds; 0 announces it at once. @default presence.graceMs */
  readonly graceMs?: number;
}

export interface PresenceSettings {
  /**
   * Joins and leaves of one topic within this many milliseconds reach each member as one
   * `presence_diff` (docs/phoenix.md). 0 sends one diff per change, from the function that
   * made it. On AWS it is the presence stream's batching window, in whole seconds
   * (rounded up). @default 1000
   */
  readonly windowMs: number;
  /**
   * Connections tracked in a topic's presence. Beyond it the topic switches to occupancy:
   * members get an empty `presence_state` and a `presence_occupancy` count per window
   * instead of diffs, and a join reads at most this many members plus one (docs/phoenix.md,
   * "Presence: a cap, then occupancy"). Applies to coalesced topics (a window above 0).
   * @default 200
   */
  readonly maxMembers: number;
  /**
   * A member that names itself in its join (`member`, as topicast/client does) and whose
   * connection closes without saying it is final keeps its presence this long: a rejoin
   * within it (the 2-hour cap, a network flap, a deploy) sends no presence_diff and no
   * lifecycle `left`/`joined`; otherwise its leave goes out after it (docs/phoenix.md,
   * "Presence across a reconnect"). Applies to coalesced topics (a window above 0). At most
   * 900000 (SQS's longest message delay). @default 15000
   */
  readonly graceMs: number;
  /** Per topic pattern settings. @default [] */
  readonly topics: readonly PresenceTopicSettings[];
}

/** Lifecycle events (docs/events.md): published to an EventBridge bus on AWS, printed and listed locally. */
export interface LifecycleEventSettings {
  /** @default false */
  readonly enabled: boolean;
  /** EventBridge `source` of the events. @default 'topicast' */
  readonly source: string;
}

export interface TopicastConfig {
  readonly auth: AuthMode;
  /** Allowed `Origin` header values; empty allows every origin. @default [] */
  readonly allowedOrigins: readonly string[];
  readonly limits: Limits;
  /** Topic patterns on which presence is not tracked. @default [] */
  readonly presenceDisabled: readonly string[];
  readonly topicRules: readonly TopicRule[];
  readonly sharding: readonly TopicSharding[];
  readonly fanout: FanoutSettings;
  readonly presence: PresenceSettings;
  /**
   * Seconds a connection item lives. API Gateway closes every connection after 2 hours;
   * the margin lets `$disconnect` find its items before TTL deletion races it. At least
   * 7260 (2 h + 1 min): a shorter TTL would delete live connections.
   * @default 7500
   */
  readonly connectionTtlSeconds: number;
  /**
   * Topic patterns whose broadcasts carry `seq` and are kept for replay, e.g.
   * `{ "room:*": { maxMessages: 100, ttlSeconds: 3600 } }`; the most specific pattern wins.
   * @default {} - no history on any topic
   */
  readonly history: Readonly<Record<string, HistoryRetention>>;
  /**
   * connected, disconnected, joined, left, occupied and vacated events, derived from the
   * table's stream (docs/events.md).
   * @default { enabled: false, source: 'topicast' }
   */
  readonly lifecycleEvents: LifecycleEventSettings;
}

export const DEFAULT_HISTORY_RETENTION: HistoryRetention = { maxMessages: 100, ttlSeconds: 3600 };

export const DEFAULT_LIMITS: Limits = {
  maxPayloadBytes: API_GATEWAY_LIMITS.frameBytes - ENVELOPE_RESERVE_BYTES,
  maxMetaBytes: 1024,
  maxTopicsPerConnection: 100,
  maxPushesPerWindow: 100,
  pushesPerCounterWrite: 10,
  maxJoinsPerWindow: 50,
  rateLimitWindowSeconds: 10,
  maxJsonDepth: 32,
  maxAssignsBytes: 4096,
  // Below the 10 s route timeout, so the client still gets its internal_error reply.
  channelTimeoutMs: 5000,
};

export const DEFAULT_FANOUT: FanoutSettings = {
  concurrency: 64,
  workerThreshold: 250,
  workerBatchSize: 500,
  postTimeoutMs: 3000,
  maxAttempts: 4,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2000,
  deadlineMarginMs: 1000,
};

export const DEFAULT_PRESENCE: PresenceSettings = {
  windowMs: PRESENCE_LIMITS.defaultWindowMs,
  maxMembers: PRESENCE_LIMITS.defaultMaxMembers,
  graceMs: PRESENCE_LIMITS.defaultGraceMs,
  topics: [],
};

export const DEFAULT_CONFIG: TopicastConfig = {
  auth: 'optional',
  allowedOrigins: [],
  limits: DEFAULT_LIMITS,
  presenceDisabled: [],
  topicRules: [],
  sharding: [],
  fanout: DEFAULT_FANOUT,
  presence: DEFAULT_PRESENCE,
  connectionTtlSeconds: 2 * 60 * 60 + 5 * 60,
  history: {},
  lifecycleEvents: { enabled: false, source: DEFAULT_LIFECYCLE_SOURCE },
};

/** A partial config as users write it (env JSON, construct props). */
export interface TopicastConfigInput {
  readonly auth?: AuthMode;
  readonly allowedOrigins?: readonly string[];
  readonly limits?: Partial<Limits>;
  readonly presenceDisabled?: readonly string[];
  readonly topicRules?: readonly TopicRule[];
  readonly sharding?: readonly TopicSharding[];
  readonly fanout?: Partial<FanoutSettings>;
  readonly presence?: Partial<PresenceSettings>;
  readonly connectionTtlSeconds?: number;
  readonly history?: Readonly<Record<string, Partial<HistoryRetention>>>;
  /** `true`, or `{ source }` (on, with that EventBridge source); `false` or absent: off. */
  readonly lifecycleEvents?: boolean | { readonly source?: string };
}

/** Merges user input over the defaults; input that cannot work throws a {@link ConfigError}. */
export function resolveConfig(input: TopicastConfigInput = {}, base: TopicastConfig = DEFAULT_CONFIG): TopicastConfig {
  const valid = validateConfigInput(input);
  return {
    auth: valid.auth ?? base.auth,
    allowedOrigins: valid.allowedOrigins ?? base.allowedOrigins,
    limits: { ...base.limits, ...stripUndefined(valid.limits) },
    presenceDisabled: valid.presenceDisabled ?? base.presenceDisabled,
    topicRules: valid.topicRules ?? base.topicRules,
    sharding: valid.sharding ?? base.sharding,
    fanout: { ...base.fanout, ...stripUndefined(valid.fanout) },
    presence: { ...base.presence, ...stripUndefined(valid.presence) },
    connectionTtlSeconds: valid.connectionTtlSeconds ?? base.connectionTtlSeconds,
    history: valid.history
      ? Object.fromEntries(Object.entries(valid.history).map(([pattern, retention]) => [pattern, { ...DEFAULT_HISTORY_RETENTION, ...stripUndefined(retention) }]))
      : base.history,
    lifecycleEvents: lifecycleEventsOf(valid.lifecycleEvents, base.lifecycleEvents),
  };
}

function lifecycleEventsOf(input: TopicastConfigInput['lifecycleEvents'], base: LifecycleEventSettings): LifecycleEventSettings {
  if (input === undefined) return base;
  if (typeof input === 'boolean') return { ...base, enabled: input };
  return { enabled: true, source: input.source ?? base.source };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
