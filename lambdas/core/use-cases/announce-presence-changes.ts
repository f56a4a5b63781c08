/**
 * The presence function's use case: a batch of the table's stream becomes, per topic, one
 * `presence_diff` to every member. The batch is what the stream gathered over the topic's
 * window (MaximumBatchingWindowInSeconds on AWS, the emulator's timer locally), so a burst
 * of joins costs each member one post per window instead of one per join.
 *
 * A topic over its presence cap (presence-cap.ts) gets its occupancy instead: counted from
 * the one read of its members this announcement makes for the fan-out anyway, and kept on
 * the topic's occupancy item for joiners and for the next window.
 */
import type { TopicastConfig } from '../config.js';
import { API_GATEWAY_LIMITS } from '../api-gateway-limits.js';
import { mapWithConcurrency } from '../concurrency.js';
import { earliestSequenceNumber, presenceChangesByTopic, type TopicItemChange } from '../presence-changes.js';
import { splitExpired } from '../expired-members.js';
import { cappedWindowPlan, occupancyOf, presenceCapFor, trackedPresences, type CappedWindowPlan, type OccupancyCounts } from '../presence-cap.js';
import { entriesOf, JOIN_REF_RESERVE_BYTES, presenceStateFrames } from '../presence-frames.js';
import { isEmptyDiff, type PresenceDiff } from '../presence.js';
import { presenceWindowFor, readerAnnounces, type PresenceStreamReader } from '../presence-readers.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { Clock, Logger, PresenceRow, RealtimeStore, SubscriptionRecord } from '../ports.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import type { Broadcaster } from './broadcaster.js';
import { emptyPresenceState, occupancyMessage, presenceDiffMessage } from './presence-publisher.js';
import { presenceEntryOf, presenceRowsOf } from './join-topic.js';
import { isPusherPresenceChannel, type MemberChanges } from '../pusher/member-changes.js';

export interface AnnouncePresenceDependencies {
  readonly broadcaster: Broadcaster;
  readonly store: RealtimeStore;
  readonly clock: Clock;
  readonly config: TopicastConfig;
  readonly logger: Logger;
}

export interface PresenceAnnouncement {
  /** Topics that got a diff. */
  readonly topics: number;
  /** Changes announced (records of this reader's topics). */
  readonly changes: number;
  /** Where the stream must retry from when a topic's announcement failed; null when all went out. */
  readonly retryFrom: string | null;
}

// Topics announced at once; each announcement is itself a parallel fan-out.
const TOPIC_CONCURRENCY = 8;
// Decisions per window when capped joins keep landing between a decision and its write; then the stream retries.
const MAX_DECISIONS = 3;

export async function announcePresenceChanges(
  deps: AnnouncePresenceDependencies,
  reader: PresenceStreamReader,
  changes: readonly TopicItemChange[],
): Promise<PresenceAnnouncement> {
  const { config, logger } = deps;
  const ours = changes.filter(
    (change) =>
      readerAnnounces(reader, change.topic, config) &&
      presenceEnabledFor(change.topic, config) &&
      // Topics without a window get their diffs from the function that made the change;
      // only the stream sees what TTL deleted.
      (change.expired || presenceWindowFor(change.topic, config) > 0),
  );
  const topics = presenceChangesByTopic(ours).filter(({ diff }) => !isEmptyDiff(diff));
  const failed = await mapWithConcurrency(topics, TOPIC_CONCURRENCY, async ({ topic, diff, firstSequenceNumber, records, joinedRows }) => {
    try {
      await announceTopic(deps, topic, diff, joinedRows);
      return null;
    } catch (error) {
      logger.error('presence diff not announced; the stream retries from its first record', { topic, records, error });
      return firstSequenceNumber;
    }
  });
  return {
    topics: topics.length,
    changes: ours.length,
    retryFrom: earliestSequenceNumber(failed.filter((sequence): sequence is string => sequence !== null)),
  };
}

async function announceTopic(deps: AnnouncePresenceDependencies, topic: string, diff: PresenceDiff, joinedRows: readonly PresenceRow[]): Promise<void> {
  const { broadcaster, store, config } = deps;
  const cap = presenceCapFor(topic, config);
  if (!Number.isFinite(cap)) {
    // A Pusher presence channel's users are counted from the members this delivery reads anyway.
    const members = isPusherPresenceChannel(topic) ? await broadcaster.readMembers(topic) : null;
    const message = presenceDiffMessage(topic, diff, members ? await broadcaster.memberChangesOf(topic, diff, members) : undefined);
    await broadcaster.broadcast(topic, message, { withSubscriberJoinRef: true, presenceRows: joinedRows, awaitWorkers: true, ...(members ? { subscribers: members } : {}) });
    return;
  }
  const read: SubscriptionRecord[] = [];
  for await (const page of store.listSubscribers(topic, shardCountFor(topic, config), 'presence')) read.push(...page);
  const countedAt = deps.clock.nowMs();
  const { live: members, expired } = splitExpired(read, countedAt);
  const counts = occupancyOf(members);
  const tracked = trackedPresences(members);
  const joined = new Set(entriesOf(diff.joins).map(({ meta }) => meta.phx_ref));
  const expiresAt = Math.ceil(countedAt / 1000) + config.connectionTtlSeconds;
  let previous = await store.readOccupancy(topic);
  let plan: CappedWindowPlan | 'settle' = cappedWindowPlan(tracked, cap, previous, joined.size);
  for (let decision = 1; ; decision += 1) {
    const changes = plan === 'diff' && isPusherPresenceChannel(topic) ? await broadcaster.memberChangesOf(topic, diff, members) : undefined;
    for (const { message, to, rows } of windowMessages(topic, plan, diff, members, counts, joined, joinedRows, changes)) {
      await broadcaster.broadcast(topic, message, { withSubscriberJoinRef: true, subscribers: to, awaitWorkers: true, ...(rows ? { presenceRows: rows } : {}) });
    }
    // After the posts: a failed announcement is retried with the same plan (a no-op for a client that got it).
    const settledCappedJoins = previous?.cappedJoins ?? 0;
    const written = await store.writeOccupancy(topic, { ...counts, capped: tracked > cap, countedAt, settledCappedJoins }, expiresAt);
    if (written !== 'stamped') break;
    // A join found the topic over its cap after the read above, and its empty state is out
    // (it posts before it counts itself): under the cap, everyone gets the state after it.
    if (decision >= MAX_DECISIONS) throw new Error(`capped joins of ${topic} kept arriving while its window was settled`);
    previous = await store.readOccupancy(topic);
    plan = tracked > cap ? 'settle' : 'uncap';
  }
  // Their removal is on the stream: the next window announces their leaves.
  await broadcaster.reapAfterDelivery(expired, 0, null, topic);
}

function windowMessages(
  topic: string,
  plan: CappedWindowPlan | 'settle',
  diff: PresenceDiff,
  members: readonly SubscriptionRecord[],
  counts: OccupancyCounts,
  joined: ReadonlySet<string>,
  joinedRows: readonly PresenceRow[],
  changes: MemberChanges | undefined,
): { message: OutboundMessage; to: readonly SubscriptionRecord[]; rows?: readonly PresenceRow[] }[] {
  const toAll = (message: OutboundMessage) => ({ message, to: members });
  switch (plan) {
    case 'settle':
      // Still over the cap: the late joiner's empty state is right, nothing to resend.
      return [];
    case 'diff':
      return [{ ...toAll(presenceDiffMessage(topic, diff, changes)), rows: joinedRows }];
    case 'cap':
      return [toAll(emptyPresenceState(topic)), toAll(occupancyMessage(topic, counts))];
    case 'count':
      return [toAll(occupancyMessage(topic, counts))];
    case 'count-and-reset-joiners': {
      const joiners = members.filter((member) => typeof member.meta?.phx_ref === 'string' && joined.has(member.meta.phx_ref));
      return [{ message: emptyPresenceState(topic), to: joiners }, toAll(occupancyMessage(topic, counts))];
    }
    case 'uncap': {
      // Sized for any member's join_ref in either wire format (the native envelope is the larger).
      const rows = presenceRowsOf(members);
      return presenceStateFrames(topic, members.flatMap(presenceEntryOf), null, 'native', API_GATEWAY_LIMITS.messageBytes - JOIN_REF_RESERVE_BYTES).map((message) => ({ ...toAll(message), rows }));
    }
  }
}
