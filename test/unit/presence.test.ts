import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Presence } from 'phoenix';
import { applyDiff, buildMeta, diffBetween, diffOf, isEmptyDiff, stateOf, type PresenceDiff, type PresenceMeta, type PresenceState } from '../../lambdas/core/presence.js';

const meta = (phxRef: string, extra: Record<string, unknown> = {}): PresenceMeta => ({ ...extra, phx_ref: phxRef });

/** Keys and, per key, the phx_refs in order: what a client renders from presence. */
function refsByKey(state: Record<string, { metas: { phx_ref: string }[] }>): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(state)
      .sort()
      .map((key) => [key, (state[key]?.metas ?? []).map((m) => m.phx_ref)]),
  );
}

/** Per key, the metas sorted by phx_ref: equality of states regardless of meta order. */
function metasByKey(state: PresenceState): Record<string, PresenceMeta[]> {
  return Object.fromEntries(
    Object.keys(state)
      .sort()
      .map((key) => [key, wire([...(state[key]?.metas ?? [])].sort((a, b) => a.phx_ref.localeCompare(b.phx_ref)))]),
  );
}

/** A plain, JSON-shaped copy, as a state arrives over the wire. */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('presence', () => {
  describe('buildMeta', () => {
    it('adds phx_ref to the user meta, and phx_ref wins over a user-supplied one', () => {
      // Act
      const built = buildMeta({ name: 'ada', phx_ref: 'forged' }, 'r1');

      // Assess
      expect(built).toEqual({ name: 'ada', phx_ref: 'r1' });
    });
  });

  describe('stateOf', () => {
    it('groups metas per key in order', () => {
      // Act
      const state = stateOf([
        { key: 'alice', meta: meta('1', { device: 'phone' }) },
        { key: 'bob', meta: meta('2') },
        { key: 'alice', meta: meta('3', { device: 'laptop' }) },
      ]);

      // Assess
      expect(wire(state)).toEqual({
        alice: { metas: [{ device: 'phone', phx_ref: '1' }, { device: 'laptop', phx_ref: '3' }] },
        bob: { metas: [{ phx_ref: '2' }] },
      });
    });

    it('is empty for no entries', () => {
      // Act & Assess
      expect(Object.keys(stateOf([]))).toEqual([]);
    });

    it('keeps keys named like Object.prototype members as plain keys', () => {
      // Act
      const state = stateOf([
        { key: '__proto__', meta: meta('1') },
        { key: 'constructor', meta: meta('2') },
        { key: 'toString', meta: meta('3') },
      ]);

      // Assess
      expect(Object.keys(state).sort()).toEqual(['__proto__', 'constructor', 'toString']);
      expect((state as Record<string, { metas: PresenceMeta[] } | undefined>)['constructor']?.metas).toEqual([meta('2')]);
      expect(({} as Record<string, unknown>).metas).toBeUndefined();
    });
  });

  describe('diffOf and isEmptyDiff', () => {
    it('builds joins and leaves as states', () => {
      // Act
      const diff = diffOf([{ key: 'alice', meta: meta('2') }], [{ key: 'alice', meta: meta('1') }]);

      // Assess
      expect(wire(diff)).toEqual({ joins: { alice: { metas: [{ phx_ref: '2' }] } }, leaves: { alice: { metas: [{ phx_ref: '1' }] } } });
      expect(isEmptyDiff(diff)).toBe(false);
    });

    it('is empty only when there are neither joins nor leaves', () => {
      // Act & Assess
      expect(isEmptyDiff(diffOf([], []))).toBe(true);
      expect(isEmptyDiff(diffOf([{ key: 'a', meta: meta('1') }], []))).toBe(false);
      expect(isEmptyDiff(diffOf([], [{ key: 'a', meta: meta('1') }]))).toBe(false);
    });
  });

  describe('applyDiff', () => {
    const start = (): PresenceState => stateOf([{ key: 'alice', meta: meta('1') }, { key: 'bob', meta: meta('2') }]);

    it('adds a join of a new key', () => {
      // Act
      const next = applyDiff(start(), diffOf([{ key: 'carol', meta: meta('3') }], []));

      // Assess
      expect(refsByKey(next)).toEqual({ alice: ['1'], bob: ['2'], carol: ['3'] });
    });

    it('appends a join of a known key after the metas it already has', () => {
      // Act
      const next = applyDiff(start(), diffOf([{ key: 'alice', meta: meta('4') }], []));

      // Assess
      expect(refsByKey(next)).toEqual({ alice: ['1', '4'], bob: ['2'] });
    });

    it('replaces a meta joined again with the same phx_ref', () => {
      // Act
      const next = applyDiff(start(), diffOf([{ key: 'alice', meta: meta('1', { status: 'away' }) }], []));

      // Assess
      expect(next.alice?.metas).toEqual([{ status: 'away', phx_ref: '1' }]);
    });

    it('removes a left meta and keeps the key while it has others', () => {
      // Prepare
      const state = applyDiff(start(), diffOf([{ key: 'alice', meta: meta('4') }], []));

      // Act
      const next = applyDiff(state, diffOf([], [{ key: 'alice', meta: meta('1') }]));

      // Assess
      expect(refsByKey(next)).toEqual({ alice: ['4'], bob: ['2'] });
    });

    it('removes the key when its last meta leaves', () => {
      // Act
      const next = applyDiff(start(), diffOf([], [{ key: 'bob', meta: meta('2') }]));

      // Assess
      expect(Object.keys(next)).toEqual(['alice']);
    });

    it('ignores leaves of unknown keys and unknown refs', () => {
      // Act
      const next = applyDiff(start(), diffOf([], [{ key: 'zed', meta: meta('9') }, { key: 'alice', meta: meta('9') }]));

      // Assess
      expect(refsByKey(next)).toEqual({ alice: ['1'], bob: ['2'] });
    });

    it('applies joins before leaves, so a rejoin diff swaps the meta', () => {
      // Act
      const next = applyDiff(start(), diffOf([{ key: 'alice', meta: meta('5') }], [{ key: 'alice', meta: meta('1') }]));

      // Assess
      expect(refsByKey(next)).toEqual({ alice: ['5'], bob: ['2'] });
    });

    it('does not mutate the state it is given', () => {
      // Prepare
      const state = start();
      const before = wire(state);

      // Act
      applyDiff(state, diffOf([{ key: 'alice', meta: meta('4') }], [{ key: 'bob', meta: meta('2') }]));

      // Assess
      expect(wire(state)).toEqual(before);
    });
  });

  describe('diffBetween', () => {
    it('joins what is new and leaves what is gone', () => {
      // Prepare
      const current = stateOf([{ key: 'alice', meta: meta('1') }, { key: 'bob', meta: meta('2') }]);
      const incoming = stateOf([{ key: 'alice', meta: meta('1') }, { key: 'alice', meta: meta('3') }, { key: 'carol', meta: meta('4') }]);

      // Act
      const diff = diffBetween(current, incoming);

      // Assess
      expect(refsByKey(diff.joins)).toEqual({ alice: ['3'], carol: ['4'] });
      expect(refsByKey(diff.leaves)).toEqual({ bob: ['2'] });
    });

    it('is empty between equal states', () => {
      // Prepare
      const state = stateOf([{ key: 'alice', meta: meta('1') }]);

      // Act & Assess
      expect(isEmptyDiff(diffBetween(state, wire(state)))).toBe(true);
    });
  });

  describe('properties', () => {
    // Keys include Object.prototype names. A phx_ref names one meta for good (Phoenix gives an
    // updated meta a new ref), so a meta's content is a function of its ref across states.
    const keyArb = fc.oneof(fc.constantFrom('alice', 'bob', 'carol', '__proto__', 'constructor', 'toString'), fc.string({ minLength: 1, maxLength: 6 }));
    const refs = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const metaContents = fc.array(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), { minLength: refs.length, maxLength: refs.length });
    const stateFrom = (entries: readonly (readonly [string, number])[], contents: readonly Record<string, unknown>[]): PresenceState => {
      const seen = new Set<number>();
      return stateOf(
        entries
          .filter(([, ref]) => !seen.has(ref) && seen.add(ref) !== undefined)
          .map(([key, ref]) => ({ key, meta: { ...wire(contents[ref] ?? {}), phx_ref: refs[ref] as string } })),
      );
    };
    const entriesArb = fc.array(fc.tuple(keyArb, fc.integer({ min: 0, max: refs.length - 1 })), { maxLength: 12 });
    const statesArb = (count: number) => fc.tuple(metaContents, fc.array(entriesArb, { minLength: count, maxLength: count })).map(([contents, all]) => all.map((entries) => stateFrom(entries, contents)));

    // Meta order may differ (like Phoenix, metas a client already had stay first); the content may not.
    it('applyDiff(current, diffBetween(current, incoming)) equals incoming', () => {
      fc.assert(
        fc.property(statesArb(2), (states) => {
          const [current, incoming] = states as [PresenceState, PresenceState];
          // Act
          const synced = applyDiff(current, diffBetween(current, incoming));

          // Assess
          expect(metasByKey(synced)).toEqual(metasByKey(incoming));
        }),
        { numRuns: 1000 },
      );
    });

    it('agrees with Phoenix Presence.syncState on the same states', () => {
      fc.assert(
        fc.property(statesArb(2), (states) => {
          const [current, incoming] = states as [PresenceState, PresenceState];
          // Act
          const ours = applyDiff(current, diffBetween(current, incoming));
          const theirs = Presence.syncState(wire(current), wire(incoming)) as PresenceState;

          // Assess
          expect(refsByKey(ours)).toEqual(refsByKey(theirs));
          expect(wire(ours)).toEqual(wire(theirs));
        }),
        { numRuns: 1000 },
      );
    });

    it('agrees with Phoenix Presence.syncDiff on the same state and diff', () => {
      fc.assert(
        fc.property(statesArb(3), (states) => {
          const [current, joins, leaves] = states as [PresenceState, PresenceState, PresenceState];
          // Prepare
          const diff: PresenceDiff = { joins, leaves };

          // Act
          const ours = applyDiff(current, diff);
          const theirs = Presence.syncDiff(wire(current), wire(diff)) as PresenceState;

          // Assess
          expect(refsByKey(ours)).toEqual(refsByKey(theirs));
          expect(wire(ours)).toEqual(wire(theirs));
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('compatibility with Phoenix Presence', () => {
    it('reaches the same state as Phoenix for a join, a second tab, a rejoin and leaves', () => {
      // Prepare: what a client receives on a topic, in order
      const initial = stateOf([{ key: 'alice', meta: meta('a1', { tab: 1 }) }]);
      const diffs: PresenceDiff[] = [
        diffOf([{ key: 'bob', meta: meta('b1') }], []),
        diffOf([{ key: 'alice', meta: meta('a2', { tab: 2 }) }], []),
        // bob rejoins: his old meta leaves in the same diff as the new one joins
        diffOf([{ key: 'bob', meta: meta('b2') }], [{ key: 'bob', meta: meta('b1') }]),
        diffOf([], [{ key: 'alice', meta: meta('a1', { tab: 1 }) }]),
        diffOf([], [{ key: 'ghost', meta: meta('g1') }]),
      ];
      const joinedKeys: string[] = [];
      const leftKeys: string[] = [];

      // Act
      let ours = applyDiff(stateOf([]), diffBetween(stateOf([]), initial));
      let theirs = Presence.syncState({}, wire(initial)) as PresenceState;
      for (const diff of diffs) {
        ours = applyDiff(ours, diff);
        theirs = Presence.syncDiff(theirs, wire(diff), (key) => joinedKeys.push(String(key)), (key) => leftKeys.push(String(key))) as PresenceState;
      }

      // Assess
      expect(refsByKey(ours)).toEqual({ alice: ['a2'], bob: ['b2'] });
      expect(refsByKey(theirs)).toEqual(refsByKey(ours));
      expect(wire(ours)).toEqual(wire(theirs));
      expect(joinedKeys).toEqual(['bob', 'alice', 'bob']);
      expect(leftKeys).toEqual(['bob', 'alice']);
      expect(Presence.list(theirs, (key: string) => key).sort()).toEqual(['alice', 'bob']);
    });

    it('produces a presence_state that Phoenix lists by key with every meta', () => {
      // Prepare
      const state = stateOf([
        { key: 'alice', meta: meta('1', { device: 'phone' }) },
        { key: 'alice', meta: meta('2', { device: 'laptop' }) },
      ]);

      // Act
      const synced = Presence.syncState({}, wire(state));
      const listed = Presence.list(synced, (key: string, presence: { metas: PresenceMeta[] }) => ({ key, devices: presence.metas.map((m) => m.device) }));

      // Assess
      expect(listed).toEqual([{ key: 'alice', devices: ['phone', 'laptop'] }]);
    });
  });
});
