/** Per-topic settings derived from config patterns. */
import type { TopicastConfig } from './config.js';
import { matchesAny, matchesPattern } from './topic-patterns.js';

export function shardCountFor(topic: string, config: Pick<TopicastConfig, 'sharding'>): number {
  return config.sharding.find(({ pattern }) => matchesPattern(pattern, topic))?.shards ?? 1;
}

export function presenceEnabledFor(topic: string, config: Pick<TopicastConfig, 'presenceDisabled'>): boolean {
  return !matchesAny(config.presenceDisabled, topic);
}
