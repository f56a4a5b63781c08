/**
 * The lifecycle-event reader's use case: a batch of the table's stream becomes one event
 * per connection or membership change (connected, disconnected, joined, left), plus, for
 * each topic whose membership changed, `occupied` or `vacated` when the topic's state
 * crossed between empty and not: one read (per shard) and one marker write per topic and
 * batch, however many members it has.
 *
 * At least once: an event that cannot be published (after the publisher's own retries)
 * makes the stream retry from its record, and a retried batch yields the same event ids.
 */
import type { TopicastConfig } from '../config.js';
import { mapWithConcurrency } from '../concurrency.js';
import {
  eventOfChange,
  occupancyEvent,
  topicsWithMembershipChanges,
  transitionIdOf,
  type LifecycleChange,
  type LifecycleEvent,
  type LifecyclePublisher,
  type SubscriptionItemChange,
  type OccupancyMarkers,
} from '../lifecycle-events.js';
import type { Clock, Logger } from '../ports.js';
import { earliestSequenceNumber } from '../presence-changes.js';
import { shardCountFor } from '../topic-settings.js';

export interface LifecycleDependencies {
  readonly publisher: LifecyclePublisher;
  readonly markers: OccupancyMarkers;
}

export interface PublishLifecycleDependencies extends LifecycleDependencies {
  readonly config: TopicastConfig;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface LifecyclePublication {
  /** Events handed to the publisher and accepted. */
  readonly published: number;
  /** Events that could not be published (the stream retries them). */
  readonly failed: number;
  /** Where the stream must retry from; null when everything went out. */
  readonly retryFrom: string | null;
}

// Topics whose occupancy is checked at once (two requests each).
const TOPIC_CONCURRENCY = 8;

/**
 * `before`: where the batch will be retried from anyway (the presence announcement failed
 * there), or null. Records from there on are left to the retry, so none is published twice.
 *
 * Events go out in stream order and stop at the first refusal (the retry starts there). A
 * topic's occupied or vacated follows its membership events, and is decided only when all
 * of them went out: `vacated` never precedes the `left` that emptied the topic.
 */
export async function publishLifecycleEvents(deps: PublishLifecycleDependencies, allChanges: readonly LifecycleChange[], before: string | null = null): Promise<LifecyclePublication> {
  const changes = before === null ? allChanges : allChanges.filter((change) => BigInt(change.sequenceNumber) < BigInt(before));
  const events = changes.map(eventOfChange).filter((event): event is LifecycleEvent => event !== null);
  const refused = events.length > 0 ? await deps.publisher.publish(events) : [];
  const firstRefused = earliestSequenceNumber(refused.map((event) => event.sequenceNumber));
  const lastChange = lastMembershipChanges(changes);
  const settled = [...topicsWithMembershipChanges(changes).values()].filter(
    (first) => firstRefused === null || BigInt(lastChange.get(first.topic) as string) < BigInt(firstRefused),
  );
  const unchecked: string[] = [];
  const transitions = await mapWithConcurrency(settled, TOPIC_CONCURRENCY, async (first) => {
    try {
      return await occupancyTransition(deps, first);
    } catch (error) {
      deps.logger.error('topic occupancy not checked; the stream retries from its first change', { topic: first.topic, error });
      unchecked.push(first.sequenceNumber);
      return null;
    }
  });
  const decided = transitions.filter((event): event is LifecycleEvent => event !== null);
  // A transition's id comes from the topic's first change of the batch: it is retried from there.
  const refusedTransitions = decided.length > 0 ? await deps.publisher.publish(decided) : [];
  const failed = [...refused, ...refusedTransitions];
  if (failed.length > 0) deps.logger.error('lifecycle events not published; the stream retries from their records', { failed: failed.length, eventIds: failed.map((event) => event.detail.eventId) });
  return {
    published: events.length + decided.length - failed.length,
    failed: failed.length,
    retryFrom: earliestSequenceNumber([...unchecked, ...failed.map((event) => event.sequenceNumber)]),
  };
}

/** Each topic's last membership change in the batch (its occupied or vacated comes after it). */
function lastMembershipChanges(changes: readonly LifecycleChange[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const change of changes) if (change.kind === 'subscription' && change.operation !== 'MODIFY') last.set(change.topic, change.sequenceNumber);
  return last;
}

/**
 * The topic's state as read now, against the marker: a topic occupied and vacated within
 * one batch (a join and its leave inside the window) crosses nothing and gets neither.
 */
async function occupancyTransition(deps: PublishLifecycleDependencies, first: SubscriptionItemChange): Promise<LifecycleEvent | null> {
  const { markers, config, clock } = deps;
  const nowMs = clock.nowMs();
  // The marker outlives every member it has seen: no member item lives longer than a connection's TTL.
  const expiresAt = Math.floor(nowMs / 1000) + config.connectionTtlSeconds;
  if (await markers.isOccupied(first.topic, shardCountFor(first.topic, config))) {
    const holder = await markers.markOccupied(first.topic, transitionIdOf(first, 'occupied'), expiresAt);
    return holder === transitionIdOf(first, 'occupied') ? occupancyEvent('occupied', first, nowMs) : null;
  }
  return (await markers.markVacant(first.topic, transitionIdOf(first, 'vacated'), expiresAt)) ? occupancyEvent('vacated', first, nowMs) : null;
}
