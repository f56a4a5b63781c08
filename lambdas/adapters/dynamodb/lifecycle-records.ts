/**
 * DynamoDB Streams records of the topicast table turned into lifecycle changes: creations
 * and deletions of connection items (`c#<id>` / `c`) and every write to a topic-side
 * subscription item (`t#<topic>#<shard>` / `<connectionId>`). Other items are ignored.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Identity } from '../../core/identity.js';
import { CONNECTION_ITEM_STREAM_FILTER, type LifecycleChange, type StreamOperation } from '../../core/lifecycle-events.js';
import { isTtlDeletion, memberTakeover, presenceOf, topicOfPartition, type DynamoStreamEvent, type DynamoStreamRecord } from './stream-records.js';
import { TABLE_SCHEMA } from './table-schema.js';

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
  // ApproximateCreationDateTime is in epoch seconds.
  const atMs = data.ApproximateCreationDateTime === undefined ? nowMs : data.ApproximateCreationDateTime * 1000;
  const base = {
    // Lambda always sets eventID; the sequence number is as unique within a stream.
    eventId: record.eventID ?? data.SequenceNumber,
    sequenceNumber: data.SequenceNumber,
    operation: operation as StreamOperation,
    atMs,
    expired: isTtlDeletion(record) || (operation === 'REMOVE' && removedPastExpiry(data.OldImage, atMs)),
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
  // A member's reconnect within its grace period: the membership went on (presence-grace.ts).
  if (memberTakeover(record) !== null) return null;
  return { ...base, kind: 'subscription', topic, connectionId: keys.sk, before: presenceOf(data.OldImage), after: presenceOf(data.NewImage) };
}

/**
 * A deleted item that was already past its TTL: a vanished connection removed by whoever
 * read it first (a join or a presence window reaps expired members, expired-members.ts)
 * before DynamoDB's own TTL got to it. No live connection is ever past its TTL: the TTL
 * outlasts API Gateway's 2 h cap, so `$disconnect` runs long before.
 */
function removedPastExpiry(oldImage: Record<string, AttributeValue> | undefined, atMs: number): boolean {
  const expiresAt = oldImage?.[TABLE_SCHEMA.timeToLiveAttribute]?.N;
  return expiresAt !== undefined && Number(expiresAt) > 0 && Number(expiresAt) < Math.floor(atMs / 1000);
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
