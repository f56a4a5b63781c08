import { describe, it, expect } from 'vitest';
import { matchesAny, matchesPattern } from '../../lambdas/core/topic-patterns.js';
import { presenceEnabledFor, shardCountFor } from '../../lambdas/core/topic-settings.js';

describe('topic patterns', () => {
  describe('matchesPattern', () => {
    it.each([
      ['room:lobby', 'room:lobby', true],
      ['room:lobby', 'room:lobby2', false],
      ['room:lobby', 'room:lobb', false],
      ['room:lobby', 'Room:lobby', false],
    ])('treats a pattern without * as a literal: %s vs %s', (pattern, topic, expected) => {
      // Act & Assess
      expect(matchesPattern(pattern, topic)).toBe(expected);
    });

    it.each([
      ['room:*', 'room:lobby', true],
      ['room:*', 'room:a:b', true],
      ['room:*', 'room:', true],
      ['room:*', 'room', false],
      ['room:*', 'rooms:lobby', false],
      ['room:*', 'xroom:lobby', false],
    ])('matches a * suffix: %s vs %s', (pattern, topic, expected) => {
      // Act & Assess
      expect(matchesPattern(pattern, topic)).toBe(expected);
    });

    it.each([
      ['room:*:admin', 'room:1:admin', true],
      ['room:*:admin', 'room::admin', true],
      ['room:*:admin', 'room:1:2:admin', true],
      ['room:*:admin', 'room:1:admins', false],
      ['room:*:admin', 'room:admin', false],
      ['*:admin', 'x:admin', true],
      ['*:admin', 'x:admin:y', false],
    ])('matches a * in the middle or front: %s vs %s', (pattern, topic, expected) => {
      // Act & Assess
      expect(matchesPattern(pattern, topic)).toBe(expected);
    });

    it.each([
      ['a*b*c', 'abc', true],
      ['a*b*c', 'a-b-c', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'acb', false],
      ['a*b*c', 'ab', false],
      ['a**c', 'ac', true],
      ['*a*', 'banana', true],
      ['*a*', 'bnn', false],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['ab*bc', 'abc', false],
      ['x*ab*ab', 'xab', false],
      ['x*ab*ab', 'xabab', true],
    ])('matches several stars: %s vs %s', (pattern, topic, expected) => {
      // Act & Assess
      expect(matchesPattern(pattern, topic)).toBe(expected);
    });

    it.each([
      ['', '', true],
      ['', 'room', false],
      ['*', '', true],
      ['*', 'anything:at:all', true],
      ['**', 'x', true],
    ])('handles empty patterns and topics: %j vs %j', (pattern, topic, expected) => {
      // Act & Assess
      expect(matchesPattern(pattern, topic)).toBe(expected);
    });

    it('agrees with an equivalent regular expression', () => {
      // Prepare
      const patterns = ['a*', '*b', 'a*b', '*a*b*', 'ab*ba', 'a*a*a', '*'];
      const topics = ['', 'a', 'b', 'ab', 'ba', 'aba', 'abba', 'aab', 'abab', 'aaa', 'aaaa', 'bab', 'abcba'];
      const toRegExp = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');

      // Act & Assess
      for (const pattern of patterns) {
        for (const topic of topics) expect(matchesPattern(pattern, topic), `${pattern} vs ${topic}`).toBe(toRegExp(pattern).test(topic));
      }
    });
  });

  describe('matchesAny', () => {
    it('matches when one pattern does, and never on an empty list', () => {
      // Act & Assess
      expect(matchesAny(['room:*', 'big:*'], 'big:x')).toBe(true);
      expect(matchesAny(['room:*', 'big:*'], 'user:1')).toBe(false);
      expect(matchesAny([], 'room:lobby')).toBe(false);
    });
  });

  describe('topic settings', () => {
    it('takes the shard count of the first matching pattern, else 1', () => {
      // Prepare
      const config = { sharding: [{ pattern: 'big:huge', shards: 8 }, { pattern: 'big:*', shards: 4 }] };

      // Act & Assess
      expect(shardCountFor('big:huge', config)).toBe(8);
      expect(shardCountFor('big:x', config)).toBe(4);
      expect(shardCountFor('room:x', config)).toBe(1);
    });

    it('turns presence off on matching topics only', () => {
      // Prepare
      const config = { presenceDisabled: ['firehose:*'] };

      // Act & Assess
      expect(presenceEnabledFor('firehose:all', config)).toBe(false);
      expect(presenceEnabledFor('room:lobby', config)).toBe(true);
    });
  });
});
