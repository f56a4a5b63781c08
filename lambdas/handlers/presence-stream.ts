import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { presenceDependenciesFromEnvironment } from '../composition/environment/presence.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { lifecycleChangesOf } from '../adapters/dynamodb/lifecycle-records.js';
import { expiredConnectionRowsOf, topicItemChangesOf, type DynamoStreamEvent, type StreamBatchResponse } from '../adapters/dynamodb/stream-records.js';
import type { PresenceStreamReader } from '../core/presence-readers.js';
import { earliestSequenceNumber } from '../core/presence-changes.js';
import { announcePresenceChanges } from '../core/use-cases/announce-presence-changes.js';
import { publishLifecycleEvents, type LifecycleDependencies } from '../core/use-cases/publish-lifecycle-events.js';

export interface PresenceFunctionDependencies extends MessagingDependencies {
  /** Which reader of the table's stream this function is (its window and filter). */
  readonly reader: PresenceStreamReader;
  /** Set on the one reader that publishes lifecycle events (config `lifecycleEvents`, the default window's reader). */
  readonly lifecycle?: LifecycleDependencies | undefined;
}

/**
 * A batch of the table's stream (topic items, gathered over the reader's window; connection
 * items too on the reader that publishes lifecycle events): one presence_diff per topic to
 * its members, and the batch's lifecycle events. A failed topic or event makes the stream
 * retry from its first record (ReportBatchItemFailures: the retried batch starts at that
 * record and holds every later one); diffs are idempotent for a client, and no event from
 * that record on is published by this attempt, so a retry sends none twice.
 */
export const createPresenceStreamHandler = (dependencies: () => PresenceFunctionDependencies) =>
  async (event: DynamoStreamEvent): Promise<StreamBatchResponse> => {
    const deps = dependencies();
    const changes = topicItemChangesOf(event);
    const announced = await announcePresenceChanges(deps, deps.reader, changes);
    // After the diffs: records the stream will retry anyway (from announced.retryFrom) are left to that retry.
    const events = deps.lifecycle ? await publishLifecycleEvents({ ...deps, ...deps.lifecycle }, lifecycleChangesOf(event, deps.clock.nowMs()), announced.retryFrom) : null;
    const retryFrom = earliestSequenceNumber([announced.retryFrom, events?.retryFrom ?? null].filter((sequence): sequence is string => sequence !== null));
    // Connection rows TTL deleted: their modules' `leave` (never throws). Those from the retry
    // point on come again with the retried batch: their `leave` runs then, once.
    const expired = expiredConnectionRowsOf(event).filter((row) => retryFrom === null || BigInt(row.sequenceNumber) < BigInt(retryFrom));
    await deps.broadcaster.runLeaveHooks(expired.map((row) => row.subscription), 'gone');
    deps.logger.info('presence batch announced', {
      records: event.Records.length,
      changes: announced.changes,
      topics: announced.topics,
      ...(events ? { events: events.published, failedEvents: events.failed } : {}),
      retryFrom,
    });
    return { batchItemFailures: retryFrom === null ? [] : [{ itemIdentifier: retryFrom }] };
  };

export const handler = createPresenceStreamHandler(once(() => presenceDependenciesFromEnvironment(), IN_LAMBDA));
