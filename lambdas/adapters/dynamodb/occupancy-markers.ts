/**
 * OccupancyMarkers on the topicast table: a topic is occupied while one of its subscription
 * items exists (a Query of one item per shard, stopping at the first found), and its last
 * announced transition lives on a marker item `l#<topic>` / `l`:
 *   occupied: `occ` = the id of the transition that occupied it
 *   vacant:   `vac` = the id of the transition that vacated it (or no marker at all)
 * Each transition is one UpdateItem that keeps the id already there (`if_not_exists`), so
 * of two readers racing, one wins, and a retried batch finds its own id and announces it
 * again under that id. The marker carries a TTL like every item.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OccupancyMarkers } from '../../core/lifecycle-events.js';
import { keys, TABLE_SCHEMA } from './table-schema.js';

const NAMES = { '#occ': 'occ', '#vac': 'vac', '#ttl': TABLE_SCHEMA.timeToLiveAttribute };

/**
 * Whether any subscription item of the topic exists now: at most one item read per shard,
 * one shard after the other, stopping at the first found. Also the channel index's check
 * (channel-index.ts) before it lists or drops a topic.
 */
export async function topicIsOccupied(client: DynamoDBDocumentClient, tableName: string, topic: string, shards: number): Promise<boolean> {
  for (let shard = 0; shard < shards; shard += 1) {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.topicPartition(topic, shard) },
        ProjectionExpression: 'pk',
        // One item answers the question, however many members the topic has.
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    if (Items && Items.length > 0) return true;
  }
  return false;
}

export class DynamoOccupancyMarkers implements OccupancyMarkers {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public isOccupied(topic: string, shards: number): Promise<boolean> {
    return topicIsOccupied(this.client, this.tableName, topic, shards);
  }

  public async markOccupied(topic: string, transitionId: string, expiresAt: number): Promise<string> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.occupancyMarker(topic),
        UpdateExpression: 'SET #occ = if_not_exists(#occ, :id), #ttl = :expiresAt REMOVE #vac',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':id': transitionId, ':expiresAt': expiresAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return String(Attributes?.occ);
  }

  public async markVacant(topic: string, transitionId: string, expiresAt: number): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.occupancyMarker(topic),
          UpdateExpression: 'SET #vac = if_not_exists(#vac, :id), #ttl = :expiresAt REMOVE #occ',
          // Only an occupied topic can be vacated (or this transition, retried).
          ConditionExpression: 'attribute_exists(#occ) OR #vac = :id',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':id': transitionId, ':expiresAt': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.vac === transitionId;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
