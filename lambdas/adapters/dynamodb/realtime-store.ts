/**
 * RealtimeStore on DynamoDB (or dynalite, or LocalStack). The document client is injected
 * so tests and the local gateway choose the endpoint. Layout: see table-schema.ts.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Identity } from '../../core/identity.js';
import type { PresenceMeta } from '../../core/presence.js';
import type { WireFormat } from '../../core/protocol/messages.js';
import type {
  ChannelState,
  ConnectionRecord,
  JoinedTopic,
  ConnectionState,
  RealtimeStore,
  SubscriberProjection,
  SubscriptionRecord,
} from '../../core/ports.js';
import { mapWithConcurrency } from '../../core/concurrency.js';
import { shardOf } from '../../core/topics.js';
import { keys, SORT_KEY_PREFIX } from './table-schema.js';
import { batchDelete } from './batch-delete.js';
import { userConnectionItem, userConnectionKeyOf } from './user-connections.js';

type Item = Record<string, unknown>;

// Fan-out reads only what delivery needs; presence also reads keys and metas.
const FANOUT_PROJECTION = 'sk, endpoint, format, joinRef';
const PRESENCE_PROJECTION = `${FANOUT_PROJECTION}, presenceKey, meta, expiresAt`;
// Connection-partition Queries in flight while reaping many gone connections.
const REMOVAL_QUERY_CONCURRENCY = 16;

export class DynamoRealtimeStore implements RealtimeStore {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async putConnection(connection: ConnectionRecord): Promise<void> {
    const userItem = userConnectionItem(connection);
    // The user -> connections lookup is written beside the connection, in parallel (no added latency).
    const writeUserItem = userItem ? this.client.send(new PutCommand({ TableName: this.tableName, Item: userItem })) : undefined;
    const writeConnection = this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.connection(connection.connectionId),
          connectionId: connection.connectionId,
          endpoint: connection.endpoint,
          format: connection.format,
          connectedAt: connection.connectedAt,
          expiresAt: connection.expiresAt,
          ...(connection.identity ? { identity: JSON.stringify(connection.identity) } : {}),
        },
      }),
    );
    await Promise.all([writeConnection, writeUserItem]);
  }

  public async getConnectionState(connectionId: string): Promise<ConnectionState> {
    let connection: ConnectionRecord | null = null;
    const topics: string[] = [];
    for await (const item of this.queryPartition(keys.connectionPartition(connectionId), 'sk, endpoint, format, connectedAt, expiresAt, identity, topic')) {
      const sk = String(item.sk);
      if (sk === SORT_KEY_PREFIX.connection) connection = toConnection(connectionId, item);
      else if (sk.startsWith(SORT_KEY_PREFIX.topic)) topics.push(String(item.topic));
    }
    return { connection, topics };
  }

  public async readJoin(connectionId: string, topic: string): Promise<JoinedTopic | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.connectionTopic(connectionId, topic), ...withNames('pk, channel'), ConsistentRead: true }),
    );
    return Item === undefined ? null : { channel: fromJsonText<ChannelState>(Item.channel) };
  }

  public async putSubscription(subscription: SubscriptionRecord, shards: number): Promise<SubscriptionRecord | null> {
    const { connectionId, topic } = subscription;
    const shard = shardOf(connectionId, shards);
    const presence = subscription.presenceKey !== null && subscription.meta !== null ? { presenceKey: subscription.presenceKey, meta: JSON.stringify(subscription.meta) } : {};
    // Connection side first: $disconnect finds it and cleans both sides even if we stop here.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.connectionTopic(connectionId, topic),
          topic,
          shard,
          expiresAt: subscription.expiresAt,
          ...presence,
          ...(subscription.channel ? { channel: JSON.stringify(subscription.channel) } : {}),
        },
      }),
    );
    const { Attributes } = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.topicSubscriber(topic, shard, connectionId),
          endpoint: subscription.endpoint,
          format: subscription.format,
          ...(subscription.joinRef !== null ? { joinRef: subscription.joinRef } : {}),
          expiresAt: subscription.expiresAt,
          ...presence,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes ? toSubscription(topic, Attributes) : null;
  }

  public async deleteSubscription(connectionId: string, topic: string, shards: number): Promise<SubscriptionRecord | null> {
    const [topicSide, connectionSide] = await Promise.all([
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.topicSubscriber(topic, shardOf(connectionId, shards), connectionId), ReturnValues: 'ALL_OLD' })),
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connectionTopic(connectionId, topic), ReturnValues: 'ALL_OLD' })),
    ]);
    const old = topicSide.Attributes ?? (connectionSide.Attributes ? { ...connectionSide.Attributes, sk: connectionId } : undefined);
    // Channel state lives on the connection side only.
    return old ? toSubscription(topic, { ...old, channel: connectionSide.Attributes?.channel }) : null;
  }

  public async *listSubscribers(topic: string, shards: number, projection: SubscriberProjection): AsyncIterable<readonly SubscriptionRecord[]> {
    const expression = projection === 'presence' ? PRESENCE_PROJECTION : FANOUT_PROJECTION;
    if (shards <= 1) {
      yield* this.queryPages(keys.topicPartition(topic, 0), expression, (item) => toSubscription(topic, item));
      return;
    }
    // Shards are separate partitions: read them in parallel.
    const perShard = await Promise.all(
      Array.from({ length: shards }, async (_, shard) => {
        const records: SubscriptionRecord[] = [];
        for await (const page of this.queryPages(keys.topicPartition(topic, shard), expression, (item) => toSubscription(topic, item))) records.push(...page);
        return records;
      }),
    );
    for (const records of perShard) if (records.length > 0) yield records;
  }

  public async removeConnection(connectionId: string, shardsOf: (topic: string) => number): Promise<readonly SubscriptionRecord[]> {
    return this.removeConnections([connectionId], shardsOf);
  }

  public async removeConnections(connectionIds: readonly string[], shardsOf: (topic: string) => number): Promise<readonly SubscriptionRecord[]> {
    // One Query per connection (a bounded number in flight), then every delete in shared
    // 25-item BatchWriteItem calls: 500 gone connections with one topic each cost 500
    // Queries and 40 batches, not 500 of each.
    const found = await mapWithConcurrency(connectionIds, REMOVAL_QUERY_CONCURRENCY, (connectionId) => this.connectionItems(connectionId, shardsOf));
    // Topic-side items go first: while the connection items remain, $disconnect can still find them.
    await batchDelete(this.client, this.tableName, [...found.flatMap((f) => f.topicKeys), ...found.flatMap((f) => f.connectionKeys)]);
    return found.flatMap((f) => f.removed);
  }

  /** The keys of a connection's items on both sides, and the subscriptions they hold. */
  private async connectionItems(connectionId: string, shardsOf: (topic: string) => number): Promise<{ topicKeys: Item[]; connectionKeys: Item[]; removed: SubscriptionRecord[] }> {
    const subscriptions: SubscriptionRecord[] = [];
    const topicKeys: Item[] = [];
    const connectionKeys: Item[] = [];
    let endpoint = '';
    for await (const item of this.queryPartition(keys.connectionPartition(connectionId), 'pk, sk, topic, presenceKey, meta, expiresAt, endpoint, channel, identity')) {
      const sk = String(item.sk);
      connectionKeys.push({ pk: item.pk, sk });
      if (sk === SORT_KEY_PREFIX.connection) {
        endpoint = String(item.endpoint ?? '');
        // The user -> connections lookup item goes with the connection on every removal path.
        const userKey = userConnectionKeyOf(item.identity, connectionId);
        if (userKey) connectionKeys.push(userKey);
      }
      if (!sk.startsWith(SORT_KEY_PREFIX.topic)) continue;
      const topic = String(item.topic);
      topicKeys.push(keys.topicSubscriber(topic, shardOf(connectionId, shardsOf(topic)), connectionId));
      subscriptions.push(toSubscription(topic, { ...item, sk: connectionId }));
    }
    return { topicKeys, connectionKeys, removed: subscriptions.map((record) => ({ ...record, endpoint })) };
  }

  public async countPush(connectionId: string, windowStart: number, expiresAt: number): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.rateWindow(connectionId, windowStart),
        UpdateExpression: 'ADD pushes :one SET expiresAt = :expiresAt',
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.pushes ?? 1);
  }

  private async *queryPartition(pk: string, projection: string): AsyncIterable<Item> {
    for await (const page of this.queryPages(pk, projection, (item) => item)) yield* page;
  }

  private async *queryPages<T>(pk: string, projection: string, map: (item: Item) => T): AsyncIterable<T[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ...withNames(projection),
          // Strong reads: a client that got its join reply must receive the next broadcast.
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      if (page.Items && page.Items.length > 0) yield page.Items.map(map);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

/** Aliases every projected name: `format`, `identity` and many others are reserved words. */
function withNames(projection: string): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const names = projection.split(',').map((name) => name.trim().replace(/^#/, ''));
  return {
    ProjectionExpression: names.map((name) => `#${name}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
  };
}

function toConnection(connectionId: string, item: Item): ConnectionRecord {
  return {
    connectionId,
    endpoint: String(item.endpoint),
    format: toFormat(item.format),
    identity: fromJsonText<Identity>(item.identity),
    connectedAt: Number(item.connectedAt),
    expiresAt: Number(item.expiresAt),
  };
}

function toSubscription(topic: string, item: Item): SubscriptionRecord {
  return {
    topic,
    connectionId: String(item.sk),
    endpoint: String(item.endpoint ?? ''),
    format: toFormat(item.format),
    joinRef: typeof item.joinRef === 'string' ? item.joinRef : null,
    presenceKey: typeof item.presenceKey === 'string' ? item.presenceKey : null,
    meta: fromJsonText<PresenceMeta>(item.meta),
    expiresAt: Number(item.expiresAt ?? 0),
    channel: fromJsonText<ChannelState>(item.channel),
  };
}

/**
 * Metas and token claims are stored as JSON text: a DynamoDB number holds 38 digits within
 * 1E-130..1E+126, so a valid JSON number such as 1e200 or 2^64 cannot be a map attribute.
 * Items written as maps by earlier versions are still read.
 */
function fromJsonText<T>(value: unknown): T | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

function toFormat(value: unknown): WireFormat {
  return value === 'phoenix' ? 'phoenix' : 'native';
}
