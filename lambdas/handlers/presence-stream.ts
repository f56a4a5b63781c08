import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { presenceDependenciesFromEnvironment } from '../composition/environment/presence.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { topicItemChangesOf, type DynamoStreamEvent, type StreamBatchResponse } from '../adapters/dynamodb/stream-records.js';
import type { PresenceStreamReader } from '../core/presence-readers.js';
import { announcePresenceChanges } from '../core/use-cases/announce-presence-changes.js';

export interface PresenceFunctionDependencies extends MessagingDependencies {
  /** Which reader of the table's stream this function is (its window and filter). */
  readonly reader: PresenceStreamReader;
}

/**
 * A batch of the table's stream (topic items only, gathered over the reader's window):
 * one presence_diff per topic to its members; a failed topic makes the stream retry from
 * its first record (ReportBatchItemFailures), and diffs are idempotent for a client.
 */
export const createPresenceStreamHandler = (dependencies: () => PresenceFunctionDependencies) =>
  async (event: DynamoStreamEvent): Promise<StreamBatchResponse> => {
    const deps = dependencies();
    const changes = topicItemChangesOf(event);
    const announced = await announcePresenceChanges(deps, deps.reader, changes);
    deps.logger.info('presence batch announced', { records: event.Records.length, changes: announced.changes, topics: announced.topics, retryFrom: announced.retryFrom });
    return { batchItemFailures: announced.retryFrom === null ? [] : [{ itemIdentifier: announced.retryFrom }] };
  };

export const handler = createPresenceStreamHandler(once(() => presenceDependenciesFromEnvironment(), IN_LAMBDA));
