import { matchesAny, matchesPattern } from './topic-patterns.js';
export function shardCountFor(topic, config) {
    return config.sharding.find(({ pattern }) => matchesPattern(pattern, topic))?.shards ?? 1;
}
export function presenceEnabledFor(topic, config) {
    return !matchesAny(config.presenceDisabled, topic);
}
