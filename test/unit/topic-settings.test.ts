import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../lambdas/core/config.js';
import { topicPatternOf } from '../../lambdas/core/topic-settings.js';

describe('topicPatternOf (the metric dimension of a topic)', () => {
  const config = resolveConfig({
    topicRules: [{ pattern: 'room:*' }, { pattern: 'room:vip:*', claims: { role: ['vip'] } }],
    presenceDisabled: ['feed:*'],
    sharding: [{ pattern: 'feed:global', shards: 4 }],
  });

  it('is the most specific configured pattern the topic matches', () => {
    expect(topicPatternOf('room:lobby', config)).toBe('room:*');
    expect(topicPatternOf('room:vip:7', config)).toBe('room:vip:*');
    expect(topicPatternOf('feed:42', config)).toBe('feed:*');
    expect(topicPatternOf('feed:global', config)).toBe('feed:global');
  });

  it('is "*" for a topic no pattern matches, or no topic at all, so clients cannot mint dimensions', () => {
    expect(topicPatternOf('anything:else', config)).toBe('*');
    expect(topicPatternOf('user:42', resolveConfig({}))).toBe('*');
    expect(topicPatternOf(null, config)).toBe('*');
  });
});
