/**
 * The Map-based stand-in for `mnemonist/lru-cache` in the Lambda bundles behaves as the
 * library does on every operation the DynamoDB client's endpoint cache uses.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import MapLruCache from '../../lambdas/composition/map-lru-cache.js';

interface Cache {
  readonly size: number;
  has(key: string): boolean;
  peek(key: string): number | undefined;
  get(key: string): number | undefined;
  set(key: string, value: number): unknown;
  clear(): void;
}

const MnemonistLruCache = createRequire(import.meta.url)('mnemonist/lru-cache') as new (capacity: number) => Cache;

const operation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.integer() }),
  fc.record({ op: fc.constantFrom('get' as const, 'peek' as const, 'has' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('Map-based LRU cache (bundle stand-in for mnemonist/lru-cache)', () => {
  it('answers every get, peek and has as mnemonist does, and holds as many entries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(operation, { minLength: 10, maxLength: 80, size: 'max' }), (capacity, operations) => {
        const ours: Cache = new MapLruCache<string, number>(capacity);
        const theirs = new MnemonistLruCache(capacity);
        for (const step of operations) {
          if (step.op === 'set') {
            ours.set(step.key, step.value);
            theirs.set(step.key, step.value);
          } else if (step.op === 'clear') {
            ours.clear();
            theirs.clear();
          } else {
            expect(ours[step.op](step.key)).toEqual(theirs[step.op](step.key));
          }
          expect(ours.size).toBe(theirs.size);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
