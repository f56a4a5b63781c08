/**
 * The channel index on the topicast table (`x#<bucket>` / `<topic>`, table-schema.ts): an
 * item per topic that may be occupied, so that Pusher's `GET /channels` lists channels with
 * a Query per bucket instead of a Scan. Its version `v` goes up on every touch, and a
 * lister removes an entry only at the version it read (core/use-cases/list-channels.ts
 * says why that keeps the listing exact). Every touch sets the TTL.
 */
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChannelIndex, ChannelIndexEntry } from '../../core/ports.js';
import { topicIsOccupied } from './occupancy-markers.js';
import { queryPages } from './query-pages.js';
import { CHANNEL_INDEX_BUCKETS, keys, TABLE_SCHEMA } from './table-schema.js';

const NAMES = { '#v': 'v', '#ttl': TABLE_SCHEMA.timeToLiveAttribute };

export class DynamoChannelIndex implements ChannelIndex {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async touch(topic: string, expiresAt: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.channelIndexEntry(topic),
        // ADD creates the item when a lister removed it meanwhile, and changes the version a
        // lister that read it before must find.
        UpdateExpression: 'ADD #v :one SET #ttl = :expiresAt',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresAt },
      }),
    );
  }

  public async list(prefix: string): Promise<ChannelIndexEntry[]> {
    const buckets = await Promise.all(
      Array.from({ length: CHANNEL_INDEX_BUCKETS }, async (_, bucket) => {
        const entries: ChannelIndexEntry[] = [];
        const pages = queryPages(this.client, {
          TableName: this.tableName,
          KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.channelIndexPartition(bucket), ...(prefix === '' ? {} : { ':prefix': prefix }) },
          ProjectionExpression: 'sk, #v',
          ExpressionAttributeNames: { '#v': 'v' },
          // A removal read before this listing's checks must be seen.
          ConsistentRead: true,
        });
        for await (const items of pages) for (const item of items) entries.push({ topic: String(item.sk), version: Number(item.v ?? 0) });
        return entries;
      }),
    );
    return buckets.flat().sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  public async drop(entry: ChannelIndexEntry): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.channelIndexEntry(entry.topic),
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'v' },
          ExpressionAttributeValues: { ':v': entry.version },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  public isOccupied(topic: string, shards: number): Promise<boolean> {
    return topicIsOccupied(this.client, this.tableName, topic, shards);
  }
}
