/**
 * How many connections a topic's presence tracks before it switches to occupancy. Hosted
 * peers cap presence too (Pusher at 100 members, Ably's presence-subscribe guidance at a
 * few hundred): past that, a list of everyone is neither readable nor cheap, and a join
 * that read every member would cost as much as the room is big.
 *
 * The cap needs a window: occupancy is counted by the table stream's reader, once per
 * window and topic, from the read it makes for the fan-out anyway. A topic whose window is 0
 * (a diff per change, sent by the function that made it) reads every member on each join to
 * send its diff, so it is not capped.
 */
import type { TopicastConfig } from './config.js';
import { presenceWindowFor } from './presence-readers.js';
import { matchesPattern } from './topic-patterns.js';

/** The topic's cap (connections with presence); Infinity when the topic is not capped. */
export function presenceCapFor(topic: string, config: Pick<TopicastConfig, 'presence'>): number {
  if (presenceWindowFor(topic, config) === 0) return Number.POSITIVE_INFINITY;
  const { maxMembers, topics } = config.presence;
  return topics.find((entry) => entry.maxMembers !== undefined && matchesPattern(entry.pattern, topic))?.maxMembers ?? maxMembers;
}

/** A topic's occupancy: what `presence_occupancy` carries, and what the server SDK's `occupancy` answers. */
export interface OccupancyCounts {
  /** Connections subscribed to the topic. */
  readonly subscribers: number;
  /** Distinct presence keys among them (users, or connections when anonymous). */
  readonly presence: number;
}

/** Occupancy of what a read of the topic's subscribers returned. */
/**
 * The presences a topic's rows carry, against its cap: one per `phx_ref`. A rejoin that took
 * a held presence over (presence-grace.ts) shares it with the held row until that goes, and
 * is one member, not two: a room at its cap must not go over it at every reconnect.
 */
export function trackedPresences(subscriptions: readonly { readonly presenceKey: string | null; readonly meta: { readonly phx_ref: string } | null }[]): number {
  const refs = new Set<string>();
  for (const { presenceKey, meta } of subscriptions) if (presenceKey !== null && meta !== null) refs.add(meta.phx_ref);
  return refs.size;
}

export function occupancyOf(subscriptions: readonly { readonly presenceKey: string | null }[]): OccupancyCounts {
  const keys = new Set<string>();
  for (const { presenceKey } of subscriptions) if (presenceKey !== null) keys.add(presenceKey);
  return { subscribers: subscriptions.length, presence: keys.size };
}

/** What the stream's reader sends a capped topic's members after a window (announce-presence-changes.ts builds the frames). */
export type CappedWindowPlan =
  /** Under the cap, as before: the window's diff. */
  | 'diff'
  /** Just went over: an empty presence_state (members drop the list they can no longer keep), then the count. */
  | 'cap'
  /** Still over: the count. */
  | 'count'
  /**
   * Still over, but a joiner of the window may have found it at or under the cap (and holds a
   * whole state): an empty presence_state to the window's joiners, then the count to all.
   */
  | 'count-and-reset-joiners'
  /** Back under: the whole state, so members who held an empty one (or joined over the cap) list everyone again. */
  | 'uncap';

/** What the reader knows of the topic from its occupancy item (null: never counted nor capped). */
export interface CapHistory {
  /** Members were last told presence is capped. */
  readonly capped: boolean;
  /** Joins that found the topic over its cap, and how many of them a reader's decision already covered. */
  readonly cappedJoins: number;
  readonly settledCappedJoins: number;
}

/**
 * `tracked`: connections with presence at the end of the window; `windowJoins`: joins the
 * window's diff carries. During the window the topic never held fewer than
 * `tracked - windowJoins` (leaves only lower the count before the end), so when that is
 * still over the cap, every joiner of the window found it over the cap too.
 */
export function cappedWindowPlan(tracked: number, cap: number, previous: CapHistory | null, windowJoins = 0): CappedWindowPlan {
  if (tracked > cap) {
    if (previous?.capped !== true) return 'cap';
    return tracked - windowJoins > cap ? 'count' : 'count-and-reset-joiners';
  }
  // A join no decision covered yet found the topic over its cap: it holds an empty state.
  const emptyStatesOut = previous !== null && (previous.capped || previous.cappedJoins > previous.settledCappedJoins);
  return emptyStatesOut ? 'uncap' : 'diff';
}
