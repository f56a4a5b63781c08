/**
 * A joiner's presence frames when something must happen after they are out, so the join
 * posts them itself (reply first, as the route handler would) instead of returning them:
 *
 * - a state split over several frames (presence-frames.ts): a member may leave between
 *   the read and the last frame, and its leave, sent by another invocation, may reach the
 *   joiner before the frame that lists it. A leave is only sent once its row is gone, so
 *   reading the listed rows again after the last frame finds every such member, and the
 *   joiner gets its leave after the frame. (A leave that arrives before the first frame
 *   waits for it: Phoenix's Presence applies diffs that precede the state after it.)
 * - a state emptied by the presence cap: the join counts itself on the topic's occupancy
 *   item only once its empty state is out, so a reader that sees the count resends the
 *   whole state after it (announce-presence-changes.ts), never before.
 */
import { encodeFrames } from '../protocol/codec.js';
import type { OutboundMessage, WireFormat } from '../protocol/messages.js';
import { diffOf } from '../presence.js';
import { presenceDiffFrames } from '../presence-frames.js';
import type { Logger, MessageSender, PresenceRow, RealtimeStore } from '../ports.js';
import type { Requester } from './requester.js';
import { occupancyMessage } from './presence-publisher.js';

export interface JoinerPresenceDependencies {
  readonly store: RealtimeStore;
  readonly sender: MessageSender;
  readonly logger?: Logger;
}

/** Frames posted by the join, then what it does once they are out. */
export type AfterPosted = (post: (messages: readonly OutboundMessage[]) => Promise<boolean>) => Promise<void>;

/** Posts in order, one at a time (the client must see its reply first); false once the socket is gone. */
export async function postToJoiner(deps: JoinerPresenceDependencies, requester: Requester, format: WireFormat, messages: readonly OutboundMessage[]): Promise<boolean> {
  const frames = messages.flatMap((message) => encodeFrames(message, format).map((data) => ({ message, data })));
  for (const { message, data } of frames) {
    const result = await deps.sender.send({ endpoint: requester.endpoint, connectionId: requester.connectionId, data });
    // 410: the client left meanwhile, and $disconnect cleans up.
    if (result.outcome === 'gone') return false;
    if (result.outcome !== 'delivered') {
      deps.logger?.warn('post failed', { connectionId: requester.connectionId, topic: message.topic, event: message.event, status: result.status, reason: result.reason ?? null });
    }
  }
  return true;
}

/** After a split state: the leaves of the members its later frames listed that are gone by now. */
export function leavesAfterSplitState(deps: JoinerPresenceDependencies, topic: string, shards: number, listedLater: readonly PresenceRow[], joinRef: string | null): AfterPosted {
  return async (post) => {
    if (listedLater.length === 0) return;
    const held = await deps.store.heldPresenceRefs(topic, shards, listedLater);
    const gone = listedLater.filter((row) => !held.has(row.meta.phx_ref));
    if (gone.length > 0) await post(presenceDiffFrames(topic, diffOf([], gone)).map((frame) => ({ ...frame, joinRef })));
  };
}

/** After an empty state (over the cap): count the join on the occupancy item, then send the last count. */
export function countAfterCappedState(deps: JoinerPresenceDependencies, topic: string, expiresAt: number, joinRef: string | null): AfterPosted {
  return async (post) => {
    const counted = await deps.store.markCappedJoin(topic, expiresAt);
    if (counted) await post([occupancyMessage(topic, counted, joinRef)]);
  };
}
