/**
 * The topic occupancy item (`o#<topic>`/`o`, table-schema.ts): one small item per topic,
 * written by the presence stream's reader once per window and topic, and touched by a join
 * that found the topic over its presence cap. Part of DynamoRealtimeStore.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TopicOccupancy } from '../../core/ports.js';
import { keys } from './table-schema.js';

type Item = Record<string, unknown>;

export async function readOccupancy(client: DynamoDBDocumentClient, tableName: string, topic: string): Promise<TopicOccupancy | null> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.occupancy(topic), ConsistentRead: true }));
  return Item ? occupancyOf(Item) : null;
}

export async function writeOccupancy(
  client: DynamoDBDocumentClient,
  tableName: string,
  topic: string,
  occupancy: Omit<TopicOccupancy, 'cappedJoinAt'>,
  expiresAt: number,
): Promise<void> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.occupancy(topic),
        // An update, not a put: a join's cappedJoinAt written meanwhile stays for the next window.
        UpdateExpression: 'SET subscribers = :subscribers, presence = :presence, capped = :capped, countedAt = :countedAt, expiresAt = :expiresAt',
        // An older count (a slower reader of another stream shard) never overwrites a newer one.
        ConditionExpression: 'attribute_not_exists(countedAt) OR countedAt <= :countedAt',
        ExpressionAttributeValues: {
          ':subscribers': occupancy.subscribers,
          ':presence': occupancy.presence,
          ':capped': occupancy.capped,
          ':countedAt': occupancy.countedAt,
          ':expiresAt': expiresAt,
        },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}

export async function markCappedJoin(client: DynamoDBDocumentClient, tableName: string, topic: string, atMs: number, expiresAt: number): Promise<TopicOccupancy | null> {
  const { Attributes } = await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.occupancy(topic),
      // A reader's TTL stays; a join only sets one on an item no reader wrote yet.
      UpdateExpression: 'SET cappedJoinAt = :at, expiresAt = if_not_exists(expiresAt, :expiresAt)',
      ExpressionAttributeValues: { ':at': atMs, ':expiresAt': expiresAt },
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
    cappedJoinAt: typeof item.cappedJoinAt === 'number' ? item.cappedJoinAt : null,
  };
}
