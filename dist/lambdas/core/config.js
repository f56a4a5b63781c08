/**
 * Runtime settings of topicast. Pure data with documented defaults; the composition
 * root fills it from the environment (locally) or from construct props (deployed).
 */
export const DEFAULT_LIMITS = {
    maxPayloadBytes: 32 * 1024,
    maxMetaBytes: 1024,
    maxTopicsPerConnection: 100,
    maxPushesPerWindow: 100,
    rateLimitWindowSeconds: 10,
    maxJsonDepth: 32,
};
export const DEFAULT_FANOUT = {
    concurrency: 64,
    workerThreshold: 1000,
    workerBatchSize: 500,
    postTimeoutMs: 3000,
    maxAttempts: 4,
};
export const DEFAULT_CONFIG = {
    auth: 'optional',
    allowedOrigins: [],
    limits: DEFAULT_LIMITS,
    presenceDisabled: [],
    topicRules: [],
    sharding: [],
    fanout: DEFAULT_FANOUT,
    connectionTtlSeconds: 2 * 60 * 60 + 5 * 60,
};
const AUTH_MODES = ['none', 'optional', 'required'];
/** Merges user input over the defaults and rejects settings that cannot work. */
export function resolveConfig(input = {}, base = DEFAULT_CONFIG) {
    const config = {
        auth: input.auth ?? base.auth,
        allowedOrigins: input.allowedOrigins ?? base.allowedOrigins,
        limits: { ...base.limits, ...stripUndefined(input.limits) },
        presenceDisabled: input.presenceDisabled ?? base.presenceDisabled,
        topicRules: input.topicRules ?? base.topicRules,
        sharding: input.sharding ?? base.sharding,
        fanout: { ...base.fanout, ...stripUndefined(input.fanout) },
        connectionTtlSeconds: input.connectionTtlSeconds ?? base.connectionTtlSeconds,
    };
    if (!AUTH_MODES.includes(config.auth)) {
        throw new Error(`auth must be one of ${AUTH_MODES.join(', ')}, got ${String(config.auth)}`);
    }
    for (const [name, value] of Object.entries({ ...config.limits, ...config.fanout })) {
        if (!Number.isInteger(value) || value < 1)
            throw new Error(`${name} must be a positive integer, got ${String(value)}`);
    }
    for (const { pattern, shards } of config.sharding) {
        if (!Number.isInteger(shards) || shards < 1 || shards > 100) {
            throw new Error(`sharding for ${pattern} must be an integer from 1 to 100, got ${String(shards)}`);
        }
    }
    return config;
}
function stripUndefined(value) {
    if (!value)
        return {};
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
