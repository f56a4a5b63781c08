/**
 * Who announced a Pusher presence user (`pm#<topic>` / `<user id>`, table-schema.ts): the
 * connection whose join made `member_added` go out, so that two first connections of one
 * user joining at the same instant announce it once. The first announcer writes the item
 * (a conditional write); a later one announces only when the holder's subscription row is
 * gone (its membership ended), taking the item over at the version it read. Every write
 * sets the TTL.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MemberAnnouncer, MemberClaims } from '../../core/ports.js';
import { keys, TABLE_SCHEMA } from './table-schema.js';

const NAMES = { '#ref': 'ref', '#conn': 'conn', '#shard': 'shard', '#ttl': TABLE_SCHEMA.timeToLiveAttribute };

export class DynamoMemberClaims implements MemberClaims {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async claim(topic: string, userId: string, claimant: MemberAnnouncer, live: ReadonlySet<string>, expiresAt: number): Promise<boolean> {
    // Absent, or already ours (a retried announcement announces again).
    if (await this.write(topic, userId, claimant, expiresAt, 'attribute_not_exists(pk) OR #ref = :ref', {})) return true;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.memberClaim(topic, userId), ConsistentRead: true }));
    if (!Item) return this.write(topic, userId, claimant, expiresAt, 'attribute_not_exists(pk)', {});
    const holder = { connectionId: String(Item.conn), shard: Number(Item.shard ?? 0), ref: String(Item.ref) };
    if (holder.ref === claimant.ref) return true;
    if (live.has(holder.connectionId) || (await this.rowExists(topic, holder))) return false;
    // The holder's membership ended: this connection starts the next one, unless another took it over first.
    return this.write(topic, userId, claimant, expiresAt, '#ref = :held', { ':held': holder.ref });
  }

  private async rowExists(topic: string, holder: { connectionId: string; shard: number }): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.topicSubscriber(topic, holder.shard, holder.connectionId), ProjectionExpression: 'pk', ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  private async write(topic: string, userId: string, claimant: MemberAnnouncer, expiresAt: number, condition: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.memberClaim(topic, userId),
          UpdateExpression: 'SET #ref = :ref, #conn = :conn, #shard = :shard, #ttl = :expiresAt',
          ConditionExpression: condition,
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':ref': claimant.ref, ':conn': claimant.connectionId, ':shard': claimant.shard, ':expiresAt': expiresAt, ...values },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
