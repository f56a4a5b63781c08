/**
 * DynamoDB Streams records (NEW_AND_OLD_IMAGES) of the topicast table, as Lambda delivers
 * them and as the local stream emulator builds them, turned into presence changes.
 * Only topic-side subscription items (pk = t#<topic>#<shard>, sk = <connectionId>) matter.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { EXPIRED_CONNECTION_ROW_FILTER, passesExpiredConnectionRowFilter } from '../../core/channels/expired-rows.js';
import type { ChannelState, SubscriptionRecord } from '../../core/ports.js';
import type { PresenceMeta } from '../../core/presence.js';
import type { TopicItemChange } from '../../core/presence-changes.js';
import { TOPIC_ITEM_PREFIX } from '../../core/presence-readers.js';

type Image = Record<string, AttributeValue>;

/** The fields of a Lambda DynamoDB Streams record that topicast reads (aws-lambda's DynamoDBRecord). */
export interface DynamoStreamRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventSource?: string;
  readonly eventSourceARN?: string;
  readonly awsRegion?: string;
  readonly eventVersion?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Image;
    readonly NewImage?: Image;
    readonly OldImage?: Image;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  /** Present on deletions made by DynamoDB itself: TTL expiry. */
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

export interface DynamoStreamEvent {
  readonly Records: readonly DynamoStreamRecord[];
}

/** What a stream-triggered function answers with ReportBatchItemFailures on. */
export interface StreamBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** DynamoDB's own principal on TTL deletions (AWS: "Time to Live > Streams and TTL"). */
export const TTL_DELETION_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/** A connection row TTL deleted (its channel state in the old image), with where it sits in the stream. */
export interface ExpiredConnectionRow {
  readonly subscription: SubscriptionRecord;
  readonly sequenceNumber: string;
}

/** The connection rows of the batch that DynamoDB's TTL deleted (EXPIRED_CONNECTION_ROW_FILTER). */
export function expiredConnectionRowsOf(event: DynamoStreamEvent): ExpiredConnectionRow[] {
  return event.Records.flatMap((record) => {
    const data = record.dynamodb;
    const keys = data?.Keys ? unmarshall(data.Keys) : undefined;
    if (!data?.SequenceNumber || !data.OldImage || typeof keys?.pk !== 'string' || typeof keys.sk !== 'string') return [];
    if (!passesExpiredConnectionRowFilter(keys.pk, keys.sk, record.eventName ?? '', isTtlDeletion(record))) return [];
    const old = unmarshall(data.OldImage);
    const presence = presenceOf(data.OldImage);
    const subscription: SubscriptionRecord = {
      topic: typeof old.topic === 'string' ? old.topic : keys.sk.slice(EXPIRED_CONNECTION_ROW_FILTER.skPrefix.length),
      connectionId: keys.pk.slice(EXPIRED_CONNECTION_ROW_FILTER.pkPrefix.length),
      endpoint: '',
      format: 'native',
      joinRef: null,
      presenceKey: presence?.key ?? null,
      meta: presence?.meta ?? null,
      expiresAt: Number(old.expiresAt ?? 0),
      channel: typeof old.channel === 'string' ? (JSON.parse(old.channel) as ChannelState) : null,
    };
    return [{ subscription, sequenceNumber: data.SequenceNumber }];
  });
}

export function topicItemChangesOf(event: DynamoStreamEvent): TopicItemChange[] {
  const changes: TopicItemChange[] = [];
  for (const record of event.Records) {
    const change = topicItemChangeOf(record);
    if (change) changes.push(change);
  }
  return changes;
}

export function topicItemChangeOf(record: DynamoStreamRecord): TopicItemChange | null {
  const data = record.dynamodb;
  const keys = data?.Keys ? unmarshall(data.Keys) : undefined;
  if (!data?.SequenceNumber || typeof keys?.pk !== 'string' || typeof keys.sk !== 'string') return null;
  const topic = topicOfPartition(keys.pk);
  if (topic === null) return null;
  const takeover = memberTakeover(record);
  const member = data.NewImage?.member?.S;
  return {
    topic,
    connectionId: keys.sk,
    ...(member === undefined ? {} : { member }),
    before: takeover === 'old-row-removed' ? null : presenceOf(data.OldImage),
    after: takeover === 'new-row-written' ? null : presenceOf(data.NewImage),
    expired: isTtlDeletion(record),
    sequenceNumber: data.SequenceNumber,
  };
}

/**
 * A member's rejoin that took over its presence (core/presence-grace.ts): the new row's
 * creation and the old row's removal carry a presence nobody lost or gained, so neither is
 * announced (no presence_diff, no lifecycle `joined`/`left`). Holding a row and taking it
 * over are MODIFYs that keep its phx_ref: nothing to announce either.
 */
export function memberTakeover(record: DynamoStreamRecord): 'new-row-written' | 'old-row-removed' | null {
  const data = record.dynamodb;
  if (record.eventName === 'INSERT' && data?.NewImage?.resumes?.S !== undefined) return 'new-row-written';
  if (record.eventName === 'REMOVE' && data?.OldImage?.resumedBy?.S !== undefined) return 'old-row-removed';
  return null;
}

/** A deletion made by DynamoDB's TTL rather than by a request. */
export function isTtlDeletion(record: DynamoStreamRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === TTL_DELETION_IDENTITY.type &&
    record.userIdentity.principalId === TTL_DELETION_IDENTITY.principalId
  );
}

/** `t#room:lobby#0` -> `room:lobby` (a topic may itself contain `#`; the shard is after the last one). */
export function topicOfPartition(pk: string): string | null {
  if (!pk.startsWith(TOPIC_ITEM_PREFIX)) return null;
  const shardSeparator = pk.lastIndexOf('#');
  if (shardSeparator < TOPIC_ITEM_PREFIX.length) return null;
  return pk.slice(TOPIC_ITEM_PREFIX.length, shardSeparator);
}

export function presenceOf(image: Image | undefined): TopicItemChange['before'] {
  if (!image) return null;
  const item = unmarshall(image);
  if (typeof item.presenceKey !== 'string' || item.meta === undefined) return null;
  // Metas are stored as JSON text (realtime-store.ts); maps written by earlier versions still read.
  const meta = (typeof item.meta === 'string' ? JSON.parse(item.meta) : item.meta) as PresenceMeta;
  return typeof meta?.phx_ref === 'string' ? { key: item.presenceKey, meta } : null;
}
