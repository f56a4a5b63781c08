/**
 * How a presence change made by a function (a join, a leave, a disconnect, a reap)
 * reaches the topic's members: at once, as one `presence_diff` per change, or coalesced.
 *
 * A coalesced change is not sent by the function at all: the subscription write it made is
 * on the table's stream, whose reader for the topic's window (the presence function, or
 * the local gateway's stream emulator) folds every change of that window into one diff
 * per topic (announce-presence-changes.ts). What is written is what is announced, in the
 * order it was written, so a join that lost a race and undid its rows is announced as a
 * join and a leave, or not at all, with no extra care here.
 *
 * Phoenix's `Presence` has the same seam: its dispatcher (`presence.ex`) broadcasts local
 * joins at once, while Phoenix.Tracker sends remote deltas on its broadcast period.
 */
import type { TopicastConfig } from '../config.js';
import type { OccupancyCounts } from '../presence-cap.js';
import { diffOf, type PresenceDiff, type PresenceEntry } from '../presence.js';
import { presenceWindowFor } from '../presence-readers.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { PresenceRow, Subscriber } from '../ports.js';
import { PRESENCE_EVENTS } from '../protocol/constants.js';
import type { MemberChanges } from '../pusher/member-changes.js';

export interface PresenceSendOptions {
  /** The joiner: it receives `presence_state` instead. */
  readonly excludeConnectionId?: string | null;
  /** Members the caller already read. */
  readonly subscribers?: readonly Subscriber[];
  /** Epoch milliseconds at which the invocation ends. */
  readonly deadlineMs?: number;
  /** Report gone connections without reaping them (a joiner reaps after its replies). */
  readonly deferReap?: boolean;
  /** How deep in reaping this change is (cleanup leaves may find more gone connections). */
  readonly depth?: number;
  /** The rows of the joins, for workers to check again after their posts (broadcaster.ts). */
  readonly presenceRows?: readonly PresenceRow[];
  /** On a Pusher presence channel: the users the change adds or removes as a whole (core/pusher/member-changes.ts). */
  readonly members?: MemberChanges;
}

/** Sends one diff now (the broadcaster's own broadcast, with subscriber join refs); returns the connections found gone. */
export type PresenceSend = (topic: string, message: OutboundMessage, options: PresenceSendOptions) => Promise<{ readonly gone: readonly string[] }>;

export class PresencePublisher {
  public constructor(
    private readonly config: Pick<TopicastConfig, 'presence'>,
    private readonly send: PresenceSend,
  ) {}

  /** Whether the topic's changes are coalesced by the table stream's reader rather than sent by the function. */
  public coalesces(topic: string): boolean {
    return presenceWindowFor(topic, this.config) > 0;
  }

  /** A join (with the join it replaced, as leaves); returns the connections found gone when it was sent now. */
  public async joined(topic: string, diff: PresenceDiff, options: PresenceSendOptions = {}): Promise<{ readonly gone: readonly string[] }> {
    if (this.coalesces(topic)) return { gone: [] };
    return this.send(topic, presenceDiffMessage(topic, diff, options.members), options);
  }

  /**
   * Leaves sent now, even on a coalesced topic: for a presence whose row went without the
   * stream announcing it (a row taken over by a rejoin that then failed, join-topic.ts).
   */
  public async leftNow(topic: string, leaves: readonly PresenceEntry[], options: PresenceSendOptions = {}): Promise<void> {
    if (leaves.length === 0) return;
    await this.send(topic, presenceDiffMessage(topic, diffOf([], leaves)), options);
  }

  /** Leaves of subscriptions that ended. */
  public async left(topic: string, leaves: readonly PresenceEntry[], options: PresenceSendOptions = {}): Promise<void> {
    if (leaves.length === 0 || this.coalesces(topic)) return;
    await this.send(topic, presenceDiffMessage(topic, diffOf([], leaves), options.members), options);
  }
}

export function presenceDiffMessage(topic: string, diff: PresenceDiff, members?: MemberChanges): OutboundMessage {
  const message: OutboundMessage = { topic, event: PRESENCE_EVENTS.diff, payload: diff, ref: null, joinRef: null };
  return members ? { ...message, members } : message;
}

/** A capped topic's count (presence-cap.ts): `{"subscribers": n, "presence": keys}`. */
export function occupancyMessage(topic: string, counts: OccupancyCounts, joinRef: string | null = null): OutboundMessage {
  return { topic, event: PRESENCE_EVENTS.occupancy, payload: { subscribers: counts.subscribers, presence: counts.presence }, ref: null, joinRef };
}

/** The empty state a capped topic's members (and joiners) hold: presence is off there. */
export function emptyPresenceState(topic: string, joinRef: string | null = null): OutboundMessage {
  return { topic, event: PRESENCE_EVENTS.state, payload: {}, ref: null, joinRef };
}
