import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Presence } from 'phoenix';
import { diffOf, isEmptyDiff, mergeDiffs, type PresenceDiff, type PresenceMeta, type PresenceState } from '../../lambdas/core/presence.js';

const meta = (phxRef: string, extra: Record<string, unknown> = {}): PresenceMeta => ({ ...extra, phx_ref: phxRef });
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The official client's reducer: what a member's `Presence` computes from one diff. */
function syncDiff(state: PresenceState, diff: PresenceDiff): PresenceState {
  return Presence.syncDiff(wire(state) as never, wire(diff) as never, () => undefined, () => undefined) as unknown as PresenceState;
}

/** Per key, metas sorted by phx_ref: equality of states regardless of meta order. */
function normalized(state: PresenceState): Record<string, PresenceMeta[]> {
  return Object.fromEntries(
    Object.keys(state)
      .sort()
      .map((key) => [key, wire([...(state[key]?.metas ?? [])].sort((a, b) => a.phx_ref.localeCompare(b.phx_ref)))]),
  );
}

const KEYS = ['alice', 'bob', 'carol', '__proto__'];

/** Any diff over a small universe, so that refs collide, repeat and leave without joining. */
const anyDiff = fc
  .record({
    joins: fc.array(fc.record({ key: fc.constantFrom(...KEYS), ref: fc.integer({ min: 1, max: 8 }), v: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4 }),
    leaves: fc.array(fc.record({ key: fc.constantFrom(...KEYS), ref: fc.integer({ min: 1, max: 8 }), v: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4 }),
  })
  .map(({ joins, leaves }) =>
    diffOf(
      dedupe(joins).map(({ key, ref, v }) => ({ key, meta: meta(String(ref), { v }) })),
      dedupe(leaves).map(({ key, ref, v }) => ({ key, meta: meta(String(ref), { v }) })),
    ),
  );

// A state never holds one phx_ref twice under a key; neither does a diff Phoenix sends.
function dedupe<T extends { key: string; ref: number }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter(({ key, ref }) => !seen.has(`${key}/${ref}`) && seen.add(`${key}/${ref}`) !== undefined);
}

/** Realistic windows: every join has a fresh phx_ref; leaves name refs that joined (before or inside the window). */
const realisticWindow = fc
  .array(fc.record({ join: fc.boolean(), key: fc.constantFrom(...KEYS), pick: fc.nat() }), { maxLength: 30 })
  .map((steps) => {
    const initial: PresenceDiff = diffOf([{ key: 'alice', meta: meta('s1') }, { key: 'bob', meta: meta('s2') }], []);
    const present: { key: string; meta: PresenceMeta }[] = [{ key: 'alice', meta: meta('s1') }, { key: 'bob', meta: meta('s2') }];
    const diffs: PresenceDiff[] = [];
    steps.forEach(({ join, key, pick }, index) => {
      if (join || present.length === 0) {
        const entry = { key, meta: meta(`w${index}`, { at: index }) };
        present.push(entry);
        diffs.push(diffOf([entry], []));
      } else {
        const [entry] = present.splice(pick % present.length, 1);
        if (entry) diffs.push(diffOf([], [entry]));
      }
    });
    return { initial: syncDiff({}, initial), diffs };
  });

describe('mergeDiffs', () => {
  it('cancels a join by a later leave of the same phx_ref, keeping the leave', () => {
    // Act
    const merged = mergeDiffs([
      diffOf([{ key: 'alice', meta: meta('1') }], []),
      diffOf([{ key: 'bob', meta: meta('2') }], []),
      diffOf([], [{ key: 'alice', meta: meta('1') }]),
    ]);

    // Assess
    expect(wire(merged)).toEqual({ joins: { bob: { metas: [{ phx_ref: '2' }] } }, leaves: { alice: { metas: [{ phx_ref: '1' }] } } });
  });

  it('keeps a reconnect (leave of the old phx_ref, join of the new one under the same key) as both', () => {
    // Act
    const merged = mergeDiffs([diffOf([], [{ key: 'alice', meta: meta('old') }]), diffOf([{ key: 'alice', meta: meta('new') }], [])]);

    // Assess
    expect(wire(merged)).toEqual({ joins: { alice: { metas: [{ phx_ref: 'new' }] } }, leaves: { alice: { metas: [{ phx_ref: 'old' }] } } });
  });

  it('keeps metas of one key in the order they joined', () => {
    // Act
    const merged = mergeDiffs([1, 2, 3].map((n) => diffOf([{ key: 'alice', meta: meta(String(n)) }], [])));

    // Assess
    expect(merged.joins.alice?.metas.map((m) => m.phx_ref)).toEqual(['1', '2', '3']);
  });

  it('is empty for no diffs', () => {
    // Act & Assess
    expect(isEmptyDiff(mergeDiffs([]))).toBe(true);
  });

  it('tells a member that joined inside the window about a join it saw that left later', () => {
    // Prepare: the joiner's presence_state was read after carol joined, before she left.
    const window = [diffOf([{ key: 'carol', meta: meta('c1') }], []), diffOf([], [{ key: 'carol', meta: meta('c1') }])];
    const joinersState = syncDiff({}, window[0] as PresenceDiff);

    // Act
    const after = syncDiff(joinersState, mergeDiffs(window));

    // Assess
    expect(normalized(after)).toEqual({});
  });

  it('gives the official client the same final state as the diffs one by one, from any point of the window (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), fc.constant(null)), fc.array(anyDiff, { maxLength: 8 }), (startKeys, diffs) => {
        // Prepare: a starting state, and every state a member may hold inside the window.
        const start = syncDiff({}, diffOf(Object.keys(startKeys).map((key, i) => ({ key, meta: meta(String(i + 1)) })), []));
        const prefixes: PresenceState[] = [start];
        for (const diff of diffs) prefixes.push(syncDiff(prefixes[prefixes.length - 1] as PresenceState, diff));
        const final = prefixes[prefixes.length - 1] as PresenceState;

        // Act
        const merged = mergeDiffs(diffs);

        // Assess
        for (const state of prefixes) expect(normalized(syncDiff(state, merged))).toEqual(normalized(final));
      }),
      { numRuns: 500 },
    );
  });

  it('holds for realistic windows (fresh refs, leaves of members present), and never sends more than the diffs did (property)', () => {
    fc.assert(
      fc.property(realisticWindow, ({ initial, diffs }) => {
        // Prepare
        const prefixes: PresenceState[] = [initial];
        for (const diff of diffs) prefixes.push(syncDiff(prefixes[prefixes.length - 1] as PresenceState, diff));
        const final = prefixes[prefixes.length - 1] as PresenceState;

        // Act
        const merged = mergeDiffs(diffs);

        // Assess
        for (const state of prefixes) expect(normalized(syncDiff(state, merged))).toEqual(normalized(final));
        const count = (d: PresenceDiff) => [...Object.values(d.joins), ...Object.values(d.leaves)].reduce((n, { metas }) => n + metas.length, 0);
        expect(count(merged)).toBeLessThanOrEqual(diffs.reduce((n, d) => n + count(d), 0));
      }),
      { numRuns: 500 },
    );
  });

  it('can be folded window by window: merging merged windows equals merging all, up to meta order (property)', () => {
    fc.assert(
      fc.property(fc.array(anyDiff, { maxLength: 8 }), fc.array(anyDiff, { maxLength: 8 }), (first, second) => {
        // Act & Assess
        const stepwise = mergeDiffs([mergeDiffs(first), mergeDiffs(second)]);
        const whole = mergeDiffs([...first, ...second]);
        expect(normalized(stepwise.joins)).toEqual(normalized(whole.joins));
        expect(normalized(stepwise.leaves)).toEqual(normalized(whole.leaves));
      }),
    );
  });
});
