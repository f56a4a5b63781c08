/**
 * The presence function's use case: a batch of the table's stream becomes, per topic, one
 * `presence_diff` to every member. The batch is what the stream gathered over the topic's
 * window (MaximumBatchingWindowInSeconds on AWS, the emulator's timer locally), so a burst
 * of joins costs each member one post per window instead of one per join.
 */
import type { TopicastConfig } from '../config.js';
import { mapWithConcurrency } from '../concurrency.js';
import { earliestSequenceNumber, presenceChangesByTopic, type TopicItemChange } from '../presence-changes.js';
import { isEmptyDiff } from '../presence.js';
import { presenceWindowFor, readerAnnounces, type PresenceStreamReader } from '../presence-readers.js';
import type { Logger } from '../ports.js';
import { presenceEnabledFor } from '../topic-settings.js';
import { presenceDiffMessage, type Broadcaster } from './broadcaster.js';

export interface AnnouncePresenceDependencies {
  readonly broadcaster: Broadcaster;
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

export async function announcePresenceChanges(
  deps: AnnouncePresenceDependencies,
  reader: PresenceStreamReader,
  changes: readonly TopicItemChange[],
): Promise<PresenceAnnouncement> {
  const { config, broadcaster, logger } = deps;
  const ours = changes.filter(
    (change) =>
      readerAnnounces(reader, change.topic, config) &&
      presenceEnabledFor(change.topic, config) &&
      // Topics without a window get their diffs from the function that made the change;
      // only the stream sees what TTL deleted.
      (change.expired || presenceWindowFor(change.topic, config) > 0),
  );
  const topics = presenceChangesByTopic(ours).filter(({ diff }) => !isEmptyDiff(diff));
  const failed = await mapWithConcurrency(topics, TOPIC_CONCURRENCY, async ({ topic, diff, firstSequenceNumber, records }) => {
    try {
      await broadcaster.broadcast(topic, presenceDiffMessage(topic, diff), { withSubscriberJoinRef: true });
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
