/**
 * The topic occupancy item (`o#<topic>`/`o`, table-schema.ts): one small item per topic,
 * written by the presence stream's reader once per window and topic, and touched by a join
 * that found the topic over its presence cap. Part of DynamoRealtimeStore.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OccupancyWrite, TopicOccupancy } from '../../core/ports.js';
import { keys } from './table-schema.js';

type Item = Record<string, unknown>;

export async function readOccupancy(client: DynamoDBDocumentClient, tableName: string, topic: string): Promise<TopicOccupancy | null> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.occupancy(topic), ConsistentRead: true }));
  return Item ? occupancyOf(Item) : null;
}

/**
 * Records a reader's count and decision. `settledCappedJoins` is the `cappedJoins` counter
 * the reader read before deciding: the write only lands while the counter is still there,
 * so a join that found the topic over its cap in between is never settled unseen
 * ('stamped': decide again). An older count (a slower reader of another stream shard) never
 * overwrites a newer one ('stale').
 */
export async function writeOccupancy(
  client: DynamoDBDocumentClient,
  tableName: string,
  topic: string,
  occupancy: OccupancyWrite,
  expiresAt: number,
): Promise<'written' | 'stale' | 'stamped'> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.occupancy(topic),
        // An update, not a put: the joins' counter is theirs.
        UpdateExpression: 'SET subscribers = :subscribers, presence = :presence, capped = :capped, countedAt = :countedAt, settledCappedJoins = :settled, expiresAt = :expiresAt',
        ConditionExpression: '(attribute_not_exists(countedAt) OR countedAt <= :countedAt) AND (attribute_not_exists(cappedJoins) OR cappedJoins = :settled)',
        ExpressionAttributeValues: {
          ':subscribers': occupancy.subscribers,
          ':presence': occupancy.presence,
          ':capped': occupancy.capped,
          ':countedAt': occupancy.countedAt,
          ':settled': occupancy.settledCappedJoins,
          ':expiresAt': expiresAt,
        },
      }),
    );
    return 'written';
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const now = await readOccupancy(client, tableName, topic);
    return now !== null && now.cappedJoins !== occupancy.settledCappedJoins && now.countedAt <= occupancy.countedAt ? 'stamped' : 'stale';
  }
}

/**
 * A join that found the topic over its cap (and has posted its empty state) counts itself
 * on the item, atomically: the reader that decides next sees the counter ahead of what was
 * settled and resends the whole state if the topic is under the cap by then. Returns the
 * last count, or null when no reader counted it yet.
 */
export async function markCappedJoin(client: DynamoDBDocumentClient, tableName: string, topic: string, expiresAt: number): Promise<TopicOccupancy | null> {
  const { Attributes } = await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.occupancy(topic),
      // A reader's TTL stays; a join only sets one on an item no reader wrote yet.
      UpdateExpression: 'ADD cappedJoins :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
      ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresAt },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes && typeof Attributes.countedAt === 'number' ? occupancyOf(Attributes) : null;
}

function occupancyOf(item: Item): TopicOccupancy {
  return {
    subscribers: Number(item.subscribers ?? 0),
    presence: Number(item.presence ?? 0),
    capped: item.capped === true,
    countedAt: Number(item.countedAt ?? 0),
    cappedJoins: Number(item.cappedJoins ?? 0),
    settledCappedJoins: Number(item.settledCappedJoins ?? 0),
  };
}
