/** Per-topic settings derived from config patterns. */
import type { TopicastConfig } from './config.js';
import { matchesAny, matchesPattern } from './topic-patterns.js';

export function shardCountFor(topic: string, config: Pick<TopicastConfig, 'sharding'>): number {
  return config.sharding.find(({ pattern }) => matchesPattern(pattern, topic))?.shards ?? 1;
}

export function presenceEnabledFor(topic: string, config: Pick<TopicastConfig, 'presenceDisabled'>): boolean {
  return !matchesAny(config.presenceDisabled, topic);
}

/** The dimension value of topics that match no configured pattern. */
export const ANY_TOPIC_PATTERN = '*';

/**
 * The metric dimension of a topic: the most specific configured pattern it matches (channel
 * modules' topics, topic rules, presence and sharding settings), else `*`. Clients choose
 * topic names, so using the topic itself would let them create CloudWatch metrics without bound.
 */
export function topicPatternOf(
  topic: string | null,
  config: Pick<TopicastConfig, 'topicRules' | 'presenceDisabled' | 'sharding'>,
  channelPatterns: readonly string[] = [],
): string {
  let best = ANY_TOPIC_PATTERN;
  if (topic === null) return best;
  const consider = (pattern: string) => {
    if (pattern.length > best.length && matchesPattern(pattern, topic)) best = pattern;
  };
  for (const { pattern } of config.topicRules) consider(pattern);
  for (const pattern of config.presenceDisabled) consider(pattern);
  for (const { pattern } of config.sharding) consider(pattern);
  for (const pattern of channelPatterns) consider(pattern);
  return best;
}
