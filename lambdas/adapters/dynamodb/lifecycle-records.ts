/**
 * DynamoDB Streams records of the topicast table turned into lifecycle changes: creations
 * and deletions of connection items (`c#<id>` / `c`) and every write to a topic-side
 * subscription item (`t#<topic>#<shard>` / `<connectionId>`). Other items are ignored.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Identity } from '../../core/identity.js';
import { CONNECTION_ITEM_STREAM_FILTER, type LifecycleChange, type StreamOperation } from '../../core/lifecycle-events.js';
import { isTtlDeletion, presenceOf, topicOfPartition, type DynamoStreamEvent, type DynamoStreamRecord } from './stream-records.js';

export function lifecycleChangesOf(event: DynamoStreamEvent, nowMs: number): LifecycleChange[] {
  const changes: LifecycleChange[] = [];
  for (const record of event.Records) {
    const change = lifecycleChangeOf(record, nowMs);
    if (change) changes.push(change);
  }
  return changes;
}

export function lifecycleChangeOf(record: DynamoStreamRecord, nowMs: number): LifecycleChange | null {
  const data = record.dynamodb;
  const keys = data?.Keys ? unmarshall(data.Keys) : undefined;
  const operation = record.eventName;
  if (!data?.SequenceNumber || !operation || typeof keys?.pk !== 'string' || typeof keys.sk !== 'string') return null;
  const base = {
    // Lambda always sets eventID; the sequence number is as unique within a stream.
    eventId: record.eventID ?? data.SequenceNumber,
    sequenceNumber: data.SequenceNumber,
    operation: operation as StreamOperation,
    // ApproximateCreationDateTime is in epoch seconds.
    atMs: data.ApproximateCreationDateTime === undefined ? nowMs : data.ApproximateCreationDateTime * 1000,
    expired: isTtlDeletion(record),
  };
  if (keys.pk.startsWith(CONNECTION_ITEM_STREAM_FILTER.pkPrefix) && keys.sk === CONNECTION_ITEM_STREAM_FILTER.sortKey) {
    const image = data.NewImage ?? data.OldImage;
    const item = image ? unmarshall(image) : {};
    return {
      ...base,
      kind: 'connection',
      connectionId: keys.pk.slice(CONNECTION_ITEM_STREAM_FILTER.pkPrefix.length),
      user: userOf(item.identity),
      connectedAtMs: typeof item.connectedAt === 'number' ? item.connectedAt : null,
    };
  }
  const topic = topicOfPartition(keys.pk);
  if (topic === null) return null;
  return { ...base, kind: 'subscription', topic, connectionId: keys.sk, before: presenceOf(data.OldImage), after: presenceOf(data.NewImage) };
}

// The identity is stored as JSON text (realtime-store.ts); only its subject leaves the table.
function userOf(identity: unknown): string | null {
  if (typeof identity !== 'string') return null;
  try {
    const sub = (JSON.parse(identity) as Partial<Identity>).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}
