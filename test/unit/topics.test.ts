import { describe, it, expect } from 'vitest';
import { ProtocolError } from '../../lambdas/core/errors.js';
import { assertValidPushEvent, assertValidTopic, shardOf } from '../../lambdas/core/topics.js';

describe('topics', () => {
  describe('shardOf', () => {
    it('is stable for the same connection id', () => {
      // Prepare
      const id = 'L0SM9cOFvHcCIhw=';

      // Act
      const shards = Array.from({ length: 5 }, () => shardOf(id, 16));

      // Assess
      expect(new Set(shards).size).toBe(1);
    });

    it('always answers 0 for one shard or fewer', () => {
      // Act & Assess
      expect(shardOf('abc', 1)).toBe(0);
      expect(shardOf('abc', 0)).toBe(0);
      expect(shardOf('', 1)).toBe(0);
    });

    it('stays within range for every shard count up to 100', () => {
      // Act & Assess
      for (let shards = 1; shards <= 100; shards += 1) {
        for (let i = 0; i < 50; i += 1) {
          const shard = shardOf(`conn-${i}-${shards}`, shards);
          expect(Number.isInteger(shard)).toBe(true);
          expect(shard).toBeGreaterThanOrEqual(0);
          expect(shard).toBeLessThan(shards);
        }
      }
    });

    it('spreads 10k connection ids roughly evenly', () => {
      // Prepare
      const shards = 8;
      const ids = Array.from({ length: 10_000 }, (_, i) => `${i.toString(36)}Ab${(i * 7919).toString(16)}=`);
      const counts = new Array<number>(shards).fill(0);

      // Act
      for (const id of ids) counts[shardOf(id, shards)] = (counts[shardOf(id, shards)] ?? 0) + 1;

      // Assess: each shard within ±15% of the 1250 expected
      for (const count of counts) {
        expect(count).toBeGreaterThan(1250 * 0.85);
        expect(count).toBeLessThan(1250 * 1.15);
      }
    });

    it('puts ids that differ in one character on different shards often', () => {
      // Prepare
      const ids = Array.from({ length: 64 }, (_, i) => `AAAAAAAAAAAAAA${String.fromCharCode(48 + i)}=`);

      // Act
      const used = new Set(ids.map((id) => shardOf(id, 4)));

      // Assess
      expect(used.size).toBe(4);
    });
  });

  describe('assertValidTopic', () => {
    it('accepts ordinary and unicode topics', () => {
      // Act & Assess
      expect(() => assertValidTopic('room:lobby')).not.toThrow();
      expect(() => assertValidTopic('salle:café☕')).not.toThrow();
    });

    it('throws a ProtocolError with reason invalid_topic', () => {
      // Act
      let caught: unknown;
      try {
        assertValidTopic('');
      } catch (error) {
        caught = error;
      }

      // Assess
      expect(caught).toBeInstanceOf(ProtocolError);
      expect((caught as ProtocolError).reason).toBe('invalid_topic');
    });
  });

  describe('assertValidPushEvent', () => {
    it('accepts ordinary events and refuses server events with reserved_event', () => {
      // Act & Assess
      expect(() => assertValidPushEvent('new_msg')).not.toThrow();
      expect(() => assertValidPushEvent('phx_error')).toThrow(expect.objectContaining({ reason: 'reserved_event' }));
      expect(() => assertValidPushEvent('presence_state')).toThrow(expect.objectContaining({ reason: 'reserved_event' }));
      // Pusher's protocol events too: pusher-js would act on them.
      expect(() => assertValidPushEvent('pusher_internal:member_added')).toThrow(expect.objectContaining({ reason: 'reserved_event' }));
      expect(() => assertValidPushEvent('pusher:error')).toThrow(expect.objectContaining({ reason: 'reserved_event' }));
    });
  });
});
