/**
 * RealtimeStore on DynamoDB (or dynalite, or LocalStack). The document client is injected
 * so tests and the local gateway choose the endpoint. Layout: see table-schema.ts.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Identity } from '../../core/identity.js';
import type { PresenceMeta } from '../../core/presence.js';
import type { WireFormat } from '../../core/protocol/messages.js';
import type {
  ChannelState,
  ClaimStatus,
  ConnectionRecord,
  JoinedTopic,
  ConnectionState,
  ConnectionUsage,
  RealtimeStore,
  RemovalReport,
  RateCount,
  OccupancyWrite,
  MemberClaim,
  PresenceRow,
  RemovalHold,
  ReadConsistency,
  RemovalTarget,
  SubscriberProjection,
  SubscriptionRecord,
  SubscriptionRemoval,
  SubscriptionWrite,
  TopicClaim,
  TopicOccupancy,
  VersionBound,
} from '../../core/ports.js';
import { mapWithConcurrency } from '../../core/concurrency.js';
import { shardOf } from '../../core/topics.js';
import { keys, SORT_KEY_PREFIX } from './table-schema.js';
import { batchDelete, isTransient } from './batch-delete.js';
import { queryPages as queryEveryPage } from './query-pages.js';
import { markCappedJoin, readOccupancy, writeOccupancy } from './occupancy-items.js';
import { heldPresenceRefs } from './presence-rows.js';
import { findMember, holdRow, ownPresence, recordMember, releaseHeld, releaseResume, resumeMember } from './member-records.js';
import { HELD_ROW_MARGIN_SECONDS, type HeldMember } from '../../core/presence-grace.js';
import { userConnectionItem, userConnectionKeyOf } from './user-connections.js';

type Item = Record<string, unknown>;

// Fan-out reads only what delivery needs; presence also reads keys and metas.
const FANOUT_PROJECTION = 'sk, endpoint, format, joinRef, heldUntil';
const PRESENCE_PROJECTION = `${FANOUT_PROJECTION}, presenceKey, meta, expiresAt`;
// Connections closed and read at once while reaping many gone connections.
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
          // The write protocol's point of order: a version counter and the topics held.
          seq: 0,
          topics: {},
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

  public async readJoin(connectionId: string, topic: string, consistency: ReadConsistency = 'strong'): Promise<JoinedTopic | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.connectionTopic(connectionId, topic), ...withNames('pk, channel, presenceKey'), ConsistentRead: consistency === 'strong' }),
    );
    return Item === undefined ? null : { channel: fromJsonText<ChannelState>(Item.channel), presenceKey: typeof Item.presenceKey === 'string' ? Item.presenceKey : null };
  }

  public async countJoinOrLeave(connectionId: string, windowStart: number, windowSeconds: number): Promise<ConnectionUsage | null> {
    // One counter attribute per window, so counting is one unconditional ADD-like SET that
    // also returns the connection (a single counter would need a conditional reset at each
    // new window: two requests). The two windows before are dropped on the way; a counter
    // of an older window stays until disconnect (about 30 bytes, at most one per window).
    const item = await this.updateConnection(connectionId, {
      UpdateExpression: 'SET #now = if_not_exists(#now, :zero) + :one REMOVE #previous, #older',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: joinCounterNames(windowStart, windowSeconds),
      ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
      ReturnValues: 'ALL_NEW',
    });
    if (!item) return null;
    return { connection: toConnection(connectionId, item), topics: toTopicVersions(item.topics), joinsInWindow: Number(item[joinCounter(windowStart)]) };
  }

  public async claimTopic(connectionId: string, topic: string, maxTopics: number): Promise<TopicClaim> {
    // The count of held topics and the claim change in one conditional write, so the limit
    // holds however many joins run at once; the version orders every join and leave of this
    // connection (SET evaluates both `seq + :one` against the old item: the same number).
    const item = await this.updateConnection(connectionId, {
      UpdateExpression: 'SET seq = seq + :one, topics.#topic = seq + :one',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_exists(topics.#topic) OR size(topics) < :max)',
      ExpressionAttributeNames: { '#topic': topic },
      ExpressionAttributeValues: { ':one': 1, ':max': maxTopics },
      ReturnValues: 'UPDATED_NEW',
    });
    if (item) return { status: 'claimed', version: Number(item.seq) };
    return (await this.connectionExists(connectionId)) ? { status: 'limit' } : { status: 'closed' };
  }

  public async releaseTopic(connectionId: string, topic: string, rate?: RateCount): Promise<number | null> {
    // With `rate`, the leave is counted in the same write. It is never refused for it: a
    // refused leave would keep delivering to a client that believes it left (Phoenix's
    // `leave()` would wait in 'leaving' while the channel still receives).
    const counting = rate
      ? { set: ', #now = if_not_exists(#now, :zero) + :one', remove: ', #previous, #older', names: joinCounterNames(rate.windowStart, rate.windowSeconds), values: { ':zero': 0 } }
      : { set: '', remove: '', names: {}, values: {} };
    const item = await this.updateConnection(connectionId, {
      UpdateExpression: `SET seq = seq + :one${counting.set} REMOVE topics.#topic${counting.remove}`,
      ConditionExpression: 'attribute_exists(topics.#topic)',
      ExpressionAttributeNames: { '#topic': topic, ...counting.names },
      ExpressionAttributeValues: { ':one': 1, ...counting.values },
      ReturnValues: 'UPDATED_NEW',
    });
    return item ? Number(item.seq) : null;
  }

  public async releaseClaim(connectionId: string, topic: string, version: number): Promise<boolean> {
    // No new version: this undoes the claim's own `topics.<t>` and nothing newer.
    const item = await this.updateConnection(connectionId, {
      UpdateExpression: 'REMOVE topics.#topic',
      ConditionExpression: 'topics.#topic = :v',
      ExpressionAttributeNames: { '#topic': topic },
      ExpressionAttributeValues: { ':v': version },
    });
    return item !== null;
  }

  public async checkClaim(connectionId: string, topic: string, version: number): Promise<ClaimStatus> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.connection(connectionId),
        ProjectionExpression: 'pk, topics.#topic',
        ExpressionAttributeNames: { '#topic': topic },
        ConsistentRead: true,
      }),
    );
    if (!Item) return 'closed';
    const held = toTopicVersions(Item.topics);
    if (!Object.hasOwn(held, topic)) return 'released';
    return held[topic] === version ? 'held' : 'overtaken';
  }

  public async putSubscription(subscription: SubscriptionRecord, shards: number, version = 0): Promise<SubscriptionWrite> {
    const { connectionId, topic } = subscription;
    const shard = shardOf(connectionId, shards);
    const presence = {
      ...(subscription.presenceKey !== null && subscription.meta !== null ? { presenceKey: subscription.presenceKey, meta: JSON.stringify(subscription.meta) } : {}),
      ...memberAttributes(subscription.member),
    };
    // Each side only over an older version: a join that lost to a newer one of the same
    // connection and topic never overwrites it (its own check undoes the rest). The topic
    // side goes first, so whatever presence it replaces comes back to this join to announce,
    // and a connection row never names a newer presence than its topic row (a removal
    // announces the connection row's presence).
    const newer = { ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(v) OR v < :v', ExpressionAttributeValues: { ':v': version } };
    const topicSide = await this.conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.topicSubscriber(topic, shard, connectionId),
            endpoint: subscription.endpoint,
            format: subscription.format,
            ...(subscription.joinRef !== null ? { joinRef: subscription.joinRef } : {}),
            v: version,
            expiresAt: subscription.expiresAt,
            ...presence,
          },
          ReturnValues: 'ALL_OLD',
          ...newer,
        }),
      ),
    );
    const old = topicSide?.Attributes;
    const replaced = old ? toSubscription(topic, old) : null;
    if (topicSide === null) return { written: false, replaced };
    const connectionSide = await this.conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.connectionTopic(connectionId, topic),
            topic,
            shard,
            v: version,
            expiresAt: subscription.expiresAt,
            ...presence,
            ...(subscription.channel ? { channel: JSON.stringify(subscription.channel) } : {}),
          },
          ...newer,
        }),
      ),
    );
    return { written: connectionSide !== null, replaced };
  }

  public async deleteSubscription(connectionId: string, topic: string, shards: number, bound: VersionBound): Promise<SubscriptionRemoval | null> {
    const condition =
      'exactly' in bound
        ? { ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': bound.exactly } }
        : { ConditionExpression: 'attribute_not_exists(v) OR v < :v', ExpressionAttributeValues: { ':v': bound.olderThan } };
    const remove = (Key: Item) => this.conditional(this.client.send(new DeleteCommand({ TableName: this.tableName, Key, ReturnValues: 'ALL_OLD', ...condition })));
    const [topicSide, connectionSide] = await Promise.all([remove(keys.topicSubscriber(topic, shardOf(connectionId, shards), connectionId)), remove(keys.connectionTopic(connectionId, topic))]);
    const old = topicSide?.Attributes ?? (connectionSide?.Attributes ? { ...connectionSide.Attributes, sk: connectionId } : undefined);
    // Channel state lives on the connection side only.
    return old ? { subscription: toSubscription(topic, { ...old, channel: connectionSide?.Attributes?.channel }), connectionRow: connectionSide?.Attributes !== undefined } : null;
  }

  public async *listSubscribers(topic: string, shards: number, projection: SubscriberProjection, limit?: number): AsyncIterable<readonly SubscriptionRecord[]> {
    const expression = projection === 'presence' ? PRESENCE_PROJECTION : FANOUT_PROJECTION;
    const read = (shard: number) => this.queryPages(keys.topicPartition(topic, shard), expression, (item) => toSubscription(topic, item), limit);
    if (shards <= 1) {
      yield* read(0);
      return;
    }
    // Shards are separate partitions: read them in parallel.
    const perShard = await Promise.all(
      Array.from({ length: shards }, async (_, shard) => {
        const records: SubscriptionRecord[] = [];
        for await (const page of read(shard)) records.push(...page);
        return records;
      }),
    );
    let left = limit ?? Number.POSITIVE_INFINITY;
    for (const records of perShard) {
      const taken = records.slice(0, left);
      left -= taken.length;
      if (taken.length > 0) yield taken;
    }
  }

  public heldPresenceRefs(topic: string, shards: number, rows: readonly PresenceRow[]): Promise<Set<string>> {
    return heldPresenceRefs(this.client, this.tableName, topic, shards, rows);
  }

  public readOccupancy(topic: string): Promise<TopicOccupancy | null> {
    return readOccupancy(this.client, this.tableName, topic);
  }

  public writeOccupancy(topic: string, occupancy: OccupancyWrite, expiresAt: number): Promise<'written' | 'stale' | 'stamped'> {
    return writeOccupancy(this.client, this.tableName, topic, occupancy, expiresAt);
  }

  public markCappedJoin(topic: string, expiresAt: number): Promise<TopicOccupancy | null> {
    return markCappedJoin(this.client, this.tableName, topic, expiresAt);
  }

  public async removeConnections(
    targets: readonly RemovalTarget[],
    shardsOf: (topic: string) => number,
    oneByOne: (topic: string) => boolean = () => false,
    hold?: RemovalHold,
  ): Promise<RemovalReport> {
    const connectionIds = [...new Set(targets.map((target) => target.connectionId))];
    // 1. Close, then read, per connection (a bounded number in flight): with the connection
    //    item gone no join can claim, and a join already past its claim finds it gone when it
    //    re-reads it, and undoes its own rows; the read then sees every row written before.
    const found = await mapWithConcurrency(connectionIds, REMOVAL_QUERY_CONCURRENCY, (id) => this.closeAndRead(id, shardsOf));
    const subscriptions = found.flatMap((f) => f.subscriptions);
    // 2. A topic row without a connection row to lead to it (half a subscription: a join
    //    that died between its two writes, or is still writing) is deleted by its key, read
    //    from the topics the connection item still claimed or where a broadcast read it,
    //    reading its presence for the leave.
    const known = new Set(subscriptions.map((s) => keyText(s.topicKey)));
    const halves = [...targets.flatMap(({ connectionId, topic }) => (topic === undefined ? [] : [{ connectionId, topic }])), ...found.flatMap((f) => f.claimed)];
    const orphans = new Map<string, { topic: string; key: Item }>();
    for (const { connectionId, topic } of halves) {
      const key = keys.topicSubscriber(topic, shardOf(connectionId, shardsOf(topic)), connectionId);
      if (!known.has(keyText(key))) orphans.set(keyText(key), { topic, key });
    }
    const orphanResults = await Promise.all([...orphans.values()].map(({ topic, key }) => this.deleteOrphan(topic, key)));
    // 3. Topic rows in shared 25-item batches; then the connection's own rows, except the
    //    connection rows whose topic row DynamoDB would not delete: they lead a later cleanup to it.
    //    A named member's row on a topic with a grace period is held instead (presence-grace.ts),
    //    also when its rejoin already took it over; one that is gone is deleted as usual.
    const held = hold ? await this.holdMembers(subscriptions, hold, shardsOf) : [];
    const heldKeys = new Set(held.map((h) => keyText(keys.topicSubscriber(h.topic, h.shard, h.connectionId))));
    const deleting = subscriptions.filter((s) => !heldKeys.has(keyText(s.topicKey)));
    const topicLeft = new Set((await batchDelete(this.client, this.tableName, deleting.map((s) => s.topicKey))).map(keyText));
    const kept = subscriptions.filter((s) => topicLeft.has(keyText(s.topicKey)));
    const keptKeys = new Set(kept.map((s) => keyText(s.connectionKey)));
    const ending = subscriptions.filter((s) => !topicLeft.has(keyText(s.topicKey)));
    const removing = ending.filter((s) => !heldKeys.has(keyText(s.topicKey)));
    const single = ending.filter((s) => oneByOne(s.record.topic));
    const singleKeys = new Set(single.map((s) => keyText(s.connectionKey)));
    const ownKeys = found.flatMap((f) => f.ownKeys).filter((key) => !keptKeys.has(keyText(key)) && !singleKeys.has(keyText(key)));
    // Connection rows with a module `leave` one by one, returning the old item: a join undoing
    // itself may delete the same row at the same time, and whichever request returns it runs the leave.
    const [ownLeft, singles] = await Promise.all([
      batchDelete(this.client, this.tableName, ownKeys),
      mapWithConcurrency(single, REMOVAL_QUERY_CONCURRENCY, (s) => this.deleteReturning(s.connectionKey)),
    ]);
    const batchedLeft = new Set(ownLeft.map(keyText));
    const ended = ending.filter((s) => (singleKeys.has(keyText(s.connectionKey)) ? singles[single.indexOf(s)] === 'deleted' : !batchedLeft.has(keyText(s.connectionKey))));
    return {
      removed: [...removing.map((s) => s.record), ...orphanResults.flatMap((result) => (result !== 'failed' && result !== null ? [result] : []))],
      ended: ended.map((s) => s.record),
      retained: topicLeft.size + kept.length + ownLeft.length + singles.filter((result) => result === 'failed').length + orphanResults.filter((result) => result === 'failed').length,
      held,
    };
  }

  private async holdMembers(subscriptions: readonly FoundSubscription[], hold: RemovalHold, shardsOf: (topic: string) => number): Promise<HeldMember[]> {
    const candidates = subscriptions.filter((s) => s.record.member && hold.graceMsOf(s.record.topic) > 0);
    const results = await mapWithConcurrency(candidates, REMOVAL_QUERY_CONCURRENCY, async ({ record, topicKey }) => {
      const graceMs = hold.graceMsOf(record.topic);
      const expiresAt = Math.ceil((hold.nowMs + graceMs) / 1000) + HELD_ROW_MARGIN_SECONDS;
      const isHeld = await holdRow(this.client, this.tableName, topicKey, hold.nowMs + graceMs, Math.min(expiresAt, record.expiresAt || expiresAt));
      const shard = shardOf(record.connectionId, shardsOf(record.topic));
      return isHeld ? [{ topic: record.topic, shard, connectionId: record.connectionId, member: (record.member as MemberClaim).tag }] : [];
    });
    return results.flat();
  }

  public findMember(topic: string, tag: string): Promise<{ connectionId: string; shard: number } | null> {
    return findMember(this.client, this.tableName, topic, tag);
  }

  public resumeMember(topic: string, shard: number, connectionId: string, claim: MemberClaim, by: string): Promise<{ presenceKey: string; meta: PresenceMeta } | null> {
    return resumeMember(this.client, this.tableName, { topic, shard, connectionId }, claim, by);
  }

  public ownPresence(topic: string, shard: number, connectionId: string, claim: MemberClaim): Promise<{ presenceKey: string; meta: PresenceMeta } | null> {
    return ownPresence(this.client, this.tableName, { topic, shard, connectionId }, claim);
  }

  public releaseResume(topic: string, shard: number, connectionId: string, by: string): Promise<'released' | 'gone'> {
    return releaseResume(this.client, this.tableName, { topic, shard, connectionId }, by);
  }

  public recordMember(topic: string, tag: string, connectionId: string, shard: number, expiresAt: number): Promise<void> {
    return recordMember(this.client, this.tableName, topic, tag, connectionId, shard, expiresAt);
  }

  public releaseHeld(held: HeldMember): Promise<void> {
    return releaseHeld(this.client, this.tableName, held);
  }

  private async deleteReturning(key: Item): Promise<'deleted' | 'absent' | 'failed'> {
    try {
      const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }));
      return Attributes ? 'deleted' : 'absent';
    } catch (error) {
      if (!isTransient(error)) throw error;
      return 'failed';
    }
  }

  private async deleteOrphan(topic: string, key: Item): Promise<SubscriptionRecord | null | 'failed'> {
    try {
      const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }));
      return Attributes ? toSubscription(topic, Attributes) : null;
    } catch (error) {
      if (!isTransient(error)) throw error;
      return 'failed';
    }
  }

  /**
   * Closes one connection and reads what it owns: the connection item is deleted first (its
   * old value names the user lookup item), then the partition is read consistently.
   */
  private async closeAndRead(
    connectionId: string,
    shardsOf: (topic: string) => number,
  ): Promise<{ ownKeys: Item[]; subscriptions: FoundSubscription[]; claimed: { connectionId: string; topic: string }[] }> {
    const { Attributes: closed } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' }));
    // The user -> connections lookup item goes with the connection on every removal path.
    const userKey = closed ? userConnectionKeyOf(closed.identity, connectionId) : null;
    const ownKeys: Item[] = userKey ? [userKey] : [];
    const subscriptions: FoundSubscription[] = [];
    for await (const item of this.queryPartition(keys.connectionPartition(connectionId), 'pk, sk, topic, presenceKey, meta, expiresAt, channel, member')) {
      const sk = String(item.sk);
      ownKeys.push({ pk: item.pk, sk });
      if (!sk.startsWith(SORT_KEY_PREFIX.topic)) continue;
      const topic = String(item.topic);
      subscriptions.push({
        topicKey: keys.topicSubscriber(topic, shardOf(connectionId, shardsOf(topic)), connectionId),
        connectionKey: { pk: item.pk, sk },
        record: toSubscription(topic, { ...item, sk: connectionId }),
      });
    }
    const claimed = Object.keys(toTopicVersions(closed?.topics)).map((topic) => ({ connectionId, topic }));
    return { ownKeys, subscriptions, claimed };
  }

  /** An UpdateItem on the connection item; null when its condition does not hold. */
  private async updateConnection(connectionId: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>): Promise<Item | null> {
    const result = await this.conditional(this.client.send(new UpdateCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ...input })));
    return result ? (result.Attributes ?? {}) : null;
  }

  private async connectionExists(connectionId: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ProjectionExpression: 'pk', ConsistentRead: true }));
    return Item !== undefined;
  }

  /** A conditional write's result, or null when its condition did not hold. */
  private async conditional<T>(request: Promise<T>): Promise<T | null> {
    try {
      return await request;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return null;
      throw error;
    }
  }

  public async countPushes(connectionId: string, windowStart: number, count: number, expiresAt: number): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.rateWindow(connectionId, windowStart),
        UpdateExpression: 'ADD pushes :count SET expiresAt = :expiresAt',
        ExpressionAttributeValues: { ':count': count, ':expiresAt': expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.pushes ?? count);
  }

  private async *queryPartition(pk: string, projection: string): AsyncIterable<Item> {
    for await (const page of this.queryPages(pk, projection, (item) => item)) yield* page;
  }

  private async *queryPages<T>(pk: string, projection: string, map: (item: Item) => T, limit?: number): AsyncIterable<T[]> {
    const input = {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ...withNames(projection),
      // Strong reads: a client that got its join reply must receive the next broadcast.
      ConsistentRead: true,
    };
    const pages = queryEveryPage(this.client, input, limit);
    for await (const items of pages) yield items.map(map);
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

interface FoundSubscription {
  readonly topicKey: Item;
  readonly connectionKey: Item;
  readonly record: SubscriptionRecord;
}

/** The connection item's attribute counting joins and leaves in one rate window. */
function joinCounter(windowStart: number): string {
  return `joins@${windowStart}`;
}

/** Names of this window's counter and of the two before it (removed as they go stale). */
function joinCounterNames(windowStart: number, windowSeconds: number): Record<string, string> {
  return { '#now': joinCounter(windowStart), '#previous': joinCounter(windowStart - windowSeconds), '#older': joinCounter(windowStart - 2 * windowSeconds) };
}

function keyText(key: Item): string {
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

/** The connection item's `topics` map: topic to the version of the join holding it. */
function toTopicVersions(value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([topic, version]) => [topic, Number(version)]));
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
    ...(typeof item.heldUntil === 'number' ? { held: true } : {}),
    ...(typeof item.member === 'string' ? { member: memberOf(item) } : {}),
  };
}

function memberOf(item: Item): MemberClaim {
  return {
    tag: String(item.member),
    sub: String(item.memberSub ?? ''),
    userMeta: String(item.memberMeta ?? '{}'),
    ...(typeof item.resumes === 'string' ? { resumes: item.resumes } : {}),
  };
}

/** A named member's attributes, on both sides of its subscription. */
function memberAttributes(member: MemberClaim | null | undefined): Item {
  if (!member) return {};
  return { member: member.tag, memberSub: member.sub, memberMeta: member.userMeta, ...(member.resumes === undefined ? {} : { resumes: member.resumes }) };
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
  return value === 'phoenix' || value === 'pusher' ? value : 'native';
}
