/**
 * Presence split into frames that fit API Gateway's 128 KB message limit, checked on the
 * encoded frames of both wire formats and replayed through the real `phoenix` Presence.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Presence, type Channel } from 'phoenix';
import { applyDiff, stateOf, type PresenceDiff, type PresenceEntry, type PresenceState } from '../../lambdas/core/presence.js';
import { JOIN_REF_RESERVE_BYTES, entriesOf, presenceDiffFrames, presenceStateFrames } from '../../lambdas/core/presence-frames.js';
import { encodeMessage } from '../../lambdas/core/protocol/codec.js';
import { API_GATEWAY_LIMITS } from '../../lambdas/core/api-gateway-limits.js';
import type { OutboundMessage, WireFormat } from '../../lambdas/core/protocol/messages.js';

const TOPIC = 'room:big';

/** `count` members, each with a meta of about `metaBytes` bytes (1 KB: the default maxMetaBytes). */
function members(count: number, metaBytes: number, prefix = 'user'): PresenceEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${i}`,
    meta: { bio: 'x'.repeat(Math.max(0, metaBytes - 40)), n: i, phx_ref: `ref${String(i).padStart(12, '0')}` },
  }));
}

const bytesOf = (message: OutboundMessage, format: Exclude<WireFormat, 'pusher'>) => Buffer.byteLength(encodeMessage(message, format));

/** What a client ends up with: the state, then every diff in order. */
function replay(frames: readonly OutboundMessage[]): PresenceState {
  let state = frames[0]?.payload as PresenceState;
  for (const frame of frames.slice(1)) state = applyDiff(state, frame.payload as PresenceDiff);
  return state;
}

/** The real phoenix Presence, fed through a stand-in channel that has joined with `joinRef`. */
function phoenixPresence(joinRef: string) {
  const handlers = new Map<string, (payload: unknown) => void>();
  const channel = { on: (event: string, callback: (payload: unknown) => void) => handlers.set(event, callback), joinRef: () => joinRef } as unknown as Channel;
  const presence = new Presence(channel);
  let syncs = 0;
  presence.onSync(() => {
    syncs += 1;
  });
  return {
    presence,
    deliver: (frame: OutboundMessage) => (handlers.get(frame.event) as (payload: unknown) => void)(JSON.parse(JSON.stringify(frame.payload))),
    syncs: () => syncs,
  };
}

const normalized = (state: PresenceState) => JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(state).sort(([a], [b]) => a.localeCompare(b))))) as unknown;

describe('presence frames', () => {
  it('sends a small presence as one presence_state', () => {
    // Prepare
    const entries = members(3, 100);

    // Act
    const frames = presenceStateFrames(TOPIC, entries, '1', 'phoenix');

    // Assess
    expect(frames).toEqual([{ topic: TOPIC, event: 'presence_state', payload: stateOf(entries), ref: null, joinRef: '1' }]);
  });

  it('sends an empty presence_state when nobody is there', () => {
    // Act
    const frames = presenceStateFrames(TOPIC, [], null, 'native');

    // Assess
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ event: 'presence_state', payload: {} });
  });

  it.each(['native', 'phoenix'] as const)('splits 150 members with 1 KB metas into frames of at most 128 KB (%s)', (format) => {
    // Prepare
    const entries = members(150, 1024);

    // Act
    const frames = presenceStateFrames(TOPIC, entries, '42', format);

    // Assess: a presence_state, then presence_diff joins only; each full but for the last
    const sizes = frames.map((frame) => bytesOf(frame, format));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames[0]?.event).toBe('presence_state');
    for (const frame of frames.slice(1)) expect(frame).toMatchObject({ event: 'presence_diff', payload: { leaves: {} }, joinRef: '42' });
    for (const size of sizes) expect(size).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(API_GATEWAY_LIMITS.messageBytes - 1200);
    expect(normalized(replay(frames))).toEqual(normalized(stateOf(entries)));
  });

  it('fills each frame exactly to the limit when the entries allow it', () => {
    // Prepare: a tiny limit shows the size arithmetic is exact, not estimated
    const entries = members(40, 10);
    const limit = 600;

    // Act
    const frames = presenceStateFrames(TOPIC, entries, 'j', 'phoenix', limit);

    // Assess: no frame over the limit, and no frame that could have taken the next entry
    frames.forEach((frame, index) => {
      expect(bytesOf(frame, 'phoenix')).toBeLessThanOrEqual(limit);
      const next = frames[index + 1];
      if (!next) return;
      const [firstOfNext] = entriesOf((next.payload as PresenceDiff).joins);
      const grown = index === 0
        ? { ...frame, payload: stateOf([...entriesOf(frame.payload as PresenceState), firstOfNext as PresenceEntry]) }
        : { ...frame, payload: { joins: stateOf([...entriesOf((frame.payload as PresenceDiff).joins), firstOfNext as PresenceEntry]), leaves: {} } };
      expect(bytesOf(grown, 'phoenix')).toBeGreaterThan(limit);
    });
  });

  it('is synced by the phoenix client: presence_state, then diff joins, one key spread over frames', () => {
    // Prepare: 150 members, and one user with 200 tabs (its metas cannot fit one frame)
    const entries = [...members(150, 1024), ...Array.from({ length: 200 }, (_, i) => ({ key: 'many-tabs', meta: { tab: i, pad: 'y'.repeat(900), phx_ref: `tab${i}` } }))];
    const frames = presenceStateFrames(TOPIC, entries, '7', 'phoenix');
    const client = phoenixPresence('7');

    // Act
    for (const frame of frames) client.deliver(frame);

    // Assess
    const listed = client.presence.list((key: string, { metas }: { metas: { phx_ref: string }[] }) => ({ key, refs: metas.map((m) => m.phx_ref) }));
    expect(listed).toHaveLength(151);
    expect(listed.find((entry: { key: string }) => entry.key === 'many-tabs')?.refs).toHaveLength(200);
    expect(client.syncs()).toBe(frames.length);
  });

  it('keeps phoenix diffs that arrive before the state pending, then applies them after it (pendingDiffs)', () => {
    // Prepare
    const frames = presenceStateFrames(TOPIC, members(150, 1024), '7', 'phoenix');
    const client = phoenixPresence('7');

    // Act: the diffs first (never our order, but a client must survive it)
    for (const frame of frames.slice(1)) client.deliver(frame);
    const beforeState = client.presence.list().length;
    client.deliver(frames[0] as OutboundMessage);

    // Assess
    expect(beforeState).toBe(0);
    expect(client.presence.list()).toHaveLength(150);
  });

  it('splits a diff with many leaves so every frame fits with the longest, worst-escaped join_ref', () => {
    // Prepare
    const leaves = members(300, 1024);
    const diff: PresenceDiff = { joins: stateOf(members(2, 100, 'new')), leaves: stateOf(leaves) };
    const worstJoinRef = '\u0001'.repeat(255);

    // Act
    const frames = presenceDiffFrames(TOPIC, diff);

    // Assess
    expect(frames.length).toBeGreaterThan(2);
    for (const frame of frames) {
      expect(frame.event).toBe('presence_diff');
      expect(bytesOf(frame, 'native')).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
      expect(bytesOf({ ...frame, joinRef: worstJoinRef }, 'phoenix')).toBeLessThanOrEqual(API_GATEWAY_LIMITS.messageBytes);
    }
    expect(JSON.stringify(worstJoinRef).length).toBe(JOIN_REF_RESERVE_BYTES);
    // joins first, then leaves, as syncDiff applies them within one diff
    expect(Object.keys((frames[0]?.payload as PresenceDiff).joins)).toEqual(['new-0', 'new-1']);
    const leftKeys = frames.flatMap((frame) => Object.keys((frame.payload as PresenceDiff).leaves));
    expect(leftKeys.sort()).toEqual(leaves.map((entry) => entry.key).sort());
  });

  it('leaves a diff that fits as it is', () => {
    // Prepare
    const diff: PresenceDiff = { joins: stateOf(members(1, 100)), leaves: stateOf(members(1, 100, 'old')) };

    // Act & Assess
    expect(presenceDiffFrames(TOPIC, diff)).toEqual([{ topic: TOPIC, event: 'presence_diff', payload: diff, ref: null, joinRef: null }]);
  });

  it('never exceeds the limit and never loses an entry, for any members (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 12 }), text: fc.string({ maxLength: 120 }), ref: fc.uuid() }), { maxLength: 60 }),
        fc.constantFrom<Exclude<WireFormat, 'pusher'>>('native', 'phoenix'),
        (raw, format) => {
          const entries = raw.map(({ key, text, ref }) => ({ key, meta: { text, phx_ref: ref } }));
          const limit = 700;
          const frames = presenceStateFrames(TOPIC, entries, 'ref-1', format, limit);
          for (const frame of frames) expect(bytesOf(frame, format)).toBeLessThanOrEqual(limit);
          expect(normalized(replay(frames))).toEqual(normalized(stateOf(entries)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
