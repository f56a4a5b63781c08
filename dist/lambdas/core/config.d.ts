/**
 * Runtime settings of topicast. Pure data with documented defaults; the composition
 * root fills it from the environment (locally) or from construct props (deployed).
 */
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
    /** Largest serialized push/join payload, in bytes. @default 32768 */
    readonly maxPayloadBytes: number;
    /** Largest presence meta object, in bytes. @default 1024 */
    readonly maxMetaBytes: number;
    /** Topics one connection may have joined at once. @default 100 */
    readonly maxTopicsPerConnection: number;
    /** Pushes one connection may make per window. @default 100 */
    readonly maxPushesPerWindow: number;
    /** Length of the push rate-limit window, in seconds. @default 10 */
    readonly rateLimitWindowSeconds: number;
    /** Deepest JSON nesting accepted in a frame. @default 32 */
    readonly maxJsonDepth: number;
}
export interface FanoutSettings {
    /** Management-API posts in flight at once per invocation. @default 64 */
    readonly concurrency: number;
    /** Subscriber count above which a push is split over fan-out workers. @default 1000 */
    readonly workerThreshold: number;
    /** Subscribers handed to one fan-out worker. @default 500 */
    readonly workerBatchSize: number;
    /** Timeout of one management-API post, in milliseconds. @default 3000 */
    readonly postTimeoutMs: number;
    /** Attempts for a throttled (429) post, including the first. @default 4 */
    readonly maxAttempts: number;
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
    /**
     * Seconds a connection item lives. API Gateway closes every connection after 2 hours;
     * the margin lets `$disconnect` find its items before TTL deletion races it.
     * @default 7500
     */
    readonly connectionTtlSeconds: number;
}
export declare const DEFAULT_LIMITS: Limits;
export declare const DEFAULT_FANOUT: FanoutSettings;
export declare const DEFAULT_CONFIG: TopicastConfig;
/** A partial config as users write it (env JSON, construct props). */
export interface TopicastConfigInput {
    readonly auth?: AuthMode;
    readonly allowedOrigins?: readonly string[];
    readonly limits?: Partial<Limits>;
    readonly presenceDisabled?: readonly string[];
    readonly topicRules?: readonly TopicRule[];
    readonly sharding?: readonly TopicSharding[];
    readonly fanout?: Partial<FanoutSettings>;
    readonly connectionTtlSeconds?: number;
}
/** Merges user input over the defaults and rejects settings that cannot work. */
export declare function resolveConfig(input?: TopicastConfigInput, base?: TopicastConfig): TopicastConfig;
