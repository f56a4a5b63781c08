/**
 * The one definition of the topicast table, read by the CDK construct and by the local
 * gateway (which creates the table from it), so the two cannot drift.
 *
 * Single-table layout, no secondary index: every access pattern is a key lookup or a
 * Query on a partition key.
 *   pk = c#<connectionId>  sk = c            the connection (endpoint, identity, format), and
 *                                           the write protocol's seq, topics map and join counters
 *   pk = c#<connectionId>  sk = s#<topic>    a topic it joined (for disconnect), version v
 *   pk = c#<connectionId>  sk = r#<window>   its push counter for one rate-limit window
 *   pk = t#<topic>#<shard> sk = <connId>     a subscriber of the topic (for fan-out), version v
 *   pk = kv#<key>          sk = kv           a channel module's key-value item (socket.kv)
 *   pk = u#<sub>           sk = c#<connId>   a connection of an authenticated user (disconnectUser)
 *   pk = h#<topic>         sk = #            the topic's seq counter (history on)
 *   pk = h#<topic>         sk = <seq, 16 digits>  a retained broadcast (replay, history reads)
 *   pk = l#<topic>         sk = l            the topic's last announced occupancy (lifecycle events on)
 *   pk = o#<topic>         sk = o           the topic's occupancy as the presence stream counted it,
 *                                           and whether its presence is capped (presence.maxMembers)
 *   pk = m#<topic>         sk = <member tag> the connection of a named member's latest join (presence-grace.ts)
 *   pk = x#<bucket>        sk = <topic>      a topic that may be occupied (Pusher on: GET /channels, channel-index.ts)
 *   pk = pm#<topic>        sk = <user id>    the connection that announced a Pusher presence user (member-claims.ts)
 * Both sides of a subscription are written (topic side first), ordered by versions claimed
 * on the connection item, because dynalite has no transactions and a GSI would be
 * eventually consistent for `$disconnect`: see docs/infrastructure.md, "Write protocol".
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { OCCUPANCY_MARKER_PREFIX } from '../../core/lifecycle-events.js';
import { shardOf } from '../../core/topics.js';

export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; every item carries it so nothing outlives API Gateway's 2 h connection cap. */
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
} as const;

export const DEFAULT_TABLE_NAME = 'topicast';

/**
 * The partition-key prefix of every kind of item. IAM confines each function to the
 * prefixes its code uses (`dynamodb:LeadingKeys`, lib/realtime-api-defaults.ts): no prefix
 * is the start of another, and what follows each (connection ids, topics, subs, keys) can
 * never turn one kind of key into another.
 */
export const KEY_PREFIXES = {
  connection: 'c#',
  topic: 't#',
  user: 'u#',
  channelKv: 'kv#',
  history: 'h#',
  occupancyMarker: OCCUPANCY_MARKER_PREFIX,
  occupancy: 'o#',
  member: 'm#',
  channelIndex: 'x#',
  memberClaim: 'pm#',
} as const;
export type KeyPrefix = (typeof KEY_PREFIXES)[keyof typeof KEY_PREFIXES];

export const keys = {
  connection: (connectionId: string) => ({ pk: `${KEY_PREFIXES.connection}${connectionId}`, sk: 'c' }),
  connectionTopic: (connectionId: string, topic: string) => ({ pk: `${KEY_PREFIXES.connection}${connectionId}`, sk: `s#${topic}` }),
  rateWindow: (connectionId: string, windowStart: number) => ({ pk: `${KEY_PREFIXES.connection}${connectionId}`, sk: `r#${windowStart}` }),
  topicSubscriber: (topic: string, shard: number, connectionId: string) => ({ pk: topicPartition(topic, shard), sk: connectionId }),
  channelKv: (key: string) => ({ pk: `${CHANNEL_KV_PREFIX}${key}`, sk: 'kv' }),
  userConnection: (sub: string, connectionId: string) => ({ pk: userPartition(sub), sk: `c#${connectionId}` }),
  historyCounter: (topic: string) => ({ pk: historyPartition(topic), sk: HISTORY_COUNTER_SORT_KEY }),
  historyMessage: (topic: string, seq: number) => ({ pk: historyPartition(topic), sk: historySortKey(seq) }),
  occupancyMarker: (topic: string) => ({ pk: `${OCCUPANCY_MARKER_PREFIX}${topic}`, sk: 'l' }),
  occupancy: (topic: string) => ({ pk: `${KEY_PREFIXES.occupancy}${topic}`, sk: 'o' }),
  member: (topic: string, tag: string) => ({ pk: `${KEY_PREFIXES.member}${topic}`, sk: tag }),
  channelIndexEntry: (topic: string) => ({ pk: channelIndexPartition(shardOf(topic, CHANNEL_INDEX_BUCKETS)), sk: topic }),
  channelIndexPartition,
  memberClaim: (topic: string, userId: string) => ({ pk: `${KEY_PREFIXES.memberClaim}${topic}`, sk: userId }),
  historyPartition,
  historySortKey,
  connectionPartition: (connectionId: string) => `${KEY_PREFIXES.connection}${connectionId}`,
  userPartition,
  topicPartition,
} as const;

/** Partition-key prefix of channel key-value items; IAM confines module storage to it (dynamodb:LeadingKeys). */
export const CHANNEL_KV_PREFIX = KEY_PREFIXES.channelKv;

/** Partition-key prefix of history items; IAM confines history access to it (dynamodb:LeadingKeys). */
export const HISTORY_PREFIX = KEY_PREFIXES.history;
// '#' sorts before every digit, so a Query on seq sort keys never returns the counter.
const HISTORY_COUNTER_SORT_KEY = '#';
// Number.MAX_SAFE_INTEGER has 16 digits: zero-padded seqs sort as numbers do.
const SEQ_DIGITS = 16;

function historyPartition(topic: string): string {
  return `${HISTORY_PREFIX}${topic}`;
}

function historySortKey(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export const SORT_KEY_PREFIX = { connection: 'c', topic: 's#', rateWindow: 'r#' } as const;

/**
 * The channel index is spread over this many partitions (by a hash of the topic): joins of
 * all topics write it, and one partition takes at most 1,000 writes a second; a listing
 * reads every bucket (16 Queries).
 */
export const CHANNEL_INDEX_BUCKETS = 16;

function channelIndexPartition(bucket: number): string {
  return `${KEY_PREFIXES.channelIndex}${bucket}`;
}

function userPartition(sub: string): string {
  return `${KEY_PREFIXES.user}${sub}`;
}

function topicPartition(topic: string, shard: number): string {
  return `${KEY_PREFIXES.topic}${topic}#${shard}`;
}

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ],
    BillingMode: TABLE_SCHEMA.billingMode,
  };
}
