/**
 * Which users a presence diff adds or removes as a whole, as Pusher counts members: a user's
 * first connection adds it (`member_added`), its last one out removes it (`member_removed`);
 * connections in between change nothing a Pusher client sees. Phoenix clients keep getting
 * every meta; only Pusher subscribers read this (codec.ts).
 *
 * Decided from the members as read after the change (the announcer reads them to deliver
 * anyway), never from arrival order:
 * - removed: a key the diff removes that has no live row left;
 * - added: a key the diff adds, one of whose added rows is still live, and that has no live
 *   row older than that one. Refs sort by join time (IdGenerator), so when two first
 *   connections of one user join at once, the earlier one announces the user, even if
 *   both read each other's rows. When neither reads the other, both announce it: a Pusher
 *   client then sees `member_added` twice for one member (its count stays right); it never
 *   misses one.
 */
import type { PresenceDiff } from '../presence.js';
import { pusherChannelKind } from './app.js';

/** Only Pusher presence channels count members per user; other topics' messages stay as they were. */
export function isPusherPresenceChannel(topic: string): boolean {
  return pusherChannelKind(topic) === 'presence';
}

export interface MemberChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface LiveMemberRow {
  readonly presenceKey: string | null;
  readonly meta: { readonly phx_ref: string } | null;
}

export function memberChanges(diff: PresenceDiff, live: readonly LiveMemberRow[]): MemberChanges {
  const refsByKey = new Map<string, string[]>();
  for (const { presenceKey, meta } of live) {
    if (presenceKey === null || meta === null) continue;
    const refs = refsByKey.get(presenceKey) ?? [];
    refs.push(meta.phx_ref);
    refsByKey.set(presenceKey, refs);
  }
  const added: string[] = [];
  for (const [key, { metas }] of Object.entries(diff.joins)) {
    const liveRefs = refsByKey.get(key) ?? [];
    const joinedLive = metas.map((meta) => meta.phx_ref).filter((ref) => liveRefs.includes(ref));
    if (joinedLive.length === 0) continue;
    const earliestJoined = joinedLive.reduce((a, b) => (b < a ? b : a));
    const joinedRefs = new Set(metas.map((meta) => meta.phx_ref));
    if (!liveRefs.some((ref) => !joinedRefs.has(ref) && ref < earliestJoined)) added.push(key);
  }
  const removed = Object.keys(diff.leaves).filter((key) => !refsByKey.has(key) && !added.includes(key));
  return { added, removed };
}

/** The live row that brings `key` in: the one carrying the earliest of the diff's joined refs for it. */
export function announcerOf(key: string, diff: PresenceDiff, live: readonly (LiveMemberRow & { readonly connectionId: string })[]): { connectionId: string; ref: string } | null {
  const joined = new Set((diff.joins[key]?.metas ?? []).map((meta) => meta.phx_ref));
  let best: { connectionId: string; ref: string } | null = null;
  for (const row of live) {
    const ref = row.meta?.phx_ref;
    if (row.presenceKey !== key || ref === undefined || !joined.has(ref)) continue;
    if (best === null || ref < best.ref) best = { connectionId: row.connectionId, ref };
  }
  return best;
}
