/**
 * Presence across a reconnect (core/presence-grace.ts) on the table: the member record
 * (`m#<topic>`/`<member tag>`: the connection of the member's latest join), the takeover of a
 * member's row by its rejoin, and the release of a held row when its grace is over. Every
 * write is conditional, as dynalite has no transactions; part of DynamoRealtimeStore.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HeldMember } from '../../core/presence-grace.js';
import type { PresenceMeta } from '../../core/presence.js';
import type { MemberClaim } from '../../core/ports.js';
import { keys } from './table-schema.js';

export async function findMember(client: DynamoDBDocumentClient, tableName: string, topic: string, tag: string): Promise<{ connectionId: string; shard: number } | null> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.member(topic, tag), ConsistentRead: true }));
  return Item && typeof Item.connectionId === 'string' ? { connectionId: Item.connectionId, shard: Number(Item.shard ?? 0) } : null;
}

export async function recordMember(client: DynamoDBDocumentClient, tableName: string, topic: string, tag: string, connectionId: string, shard: number, expiresAt: number): Promise<void> {
  await client.send(new PutCommand({ TableName: tableName, Item: { ...keys.member(topic, tag), connectionId, shard, expiresAt } }));
}

/** A connection's subscription row of a topic (the key of the functions below). */
export interface SubscriberRow {
  readonly topic: string;
  readonly shard: number;
  readonly connectionId: string;
}

/** The presence a subscription row carries for its member. */
export interface RowPresence {
  readonly presenceKey: string;
  readonly meta: PresenceMeta;
}

const rowKey = (row: SubscriberRow) => keys.topicSubscriber(row.topic, row.shard, row.connectionId);

/** The row's presence, or null when it carries none (no key, or a meta without its phx_ref). */
function presenceOf(item: Record<string, unknown> | undefined): RowPresence | null {
  if (typeof item?.presenceKey !== 'string' || typeof item.meta !== 'string') return null;
  const meta = JSON.parse(item.meta) as PresenceMeta;
  return typeof meta?.phx_ref === 'string' ? { presenceKey: item.presenceKey, meta } : null;
}

/**
 * One conditional UpdateItem on the old row: same member, user and meta, not taken over
 * yet. Held or live alike: a rejoin may overtake its old connection's `$disconnect`, which
 * then deletes a row it finds taken over without a leave.
 */
export async function resumeMember(client: DynamoDBDocumentClient, tableName: string, row: SubscriberRow, claim: MemberClaim, by: string): Promise<RowPresence | null> {
  try {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rowKey(row),
        UpdateExpression: 'SET resumedBy = :by',
        ConditionExpression: 'attribute_exists(pk) AND #member = :tag AND memberSub = :sub AND memberMeta = :meta AND attribute_not_exists(resumedBy) AND attribute_exists(presenceKey)',
        ExpressionAttributeNames: { '#member': 'member' },
        ExpressionAttributeValues: { ':by': by, ':tag': claim.tag, ':sub': claim.sub, ':meta': claim.userMeta },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return presenceOf(Attributes);
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return null;
    throw error;
  }
}

/**
 * Gives a takeover back: the rejoin that took the row over failed before its own row was
 * written, so nobody else carries the presence. The row is again what it was (held, its timer
 * still set; or live, its `$disconnect` to come), and its release announces the leave.
 * 'gone' when the row was deleted meanwhile (the grace release): taken over, so without a
 * leave, which the caller then owes.
 */
export async function releaseResume(client: DynamoDBDocumentClient, tableName: string, row: SubscriberRow, by: string): Promise<'released' | 'gone'> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rowKey(row),
        UpdateExpression: 'REMOVE resumedBy',
        ConditionExpression: 'resumedBy = :by',
        ExpressionAttributeValues: { ':by': by },
      }),
    );
    return 'released';
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return 'gone';
    throw error;
  }
}

/**
 * Holds a closed connection's row for its member's reconnect; false when it is gone (then it
 * is deleted as usual). A row its rejoin already took over (the rejoin overtook this
 * `$disconnect`) is held too, and released by the timer like any other: until then a fan-out
 * worker that reads it again finds the presence still there, and a rejoin that fails can
 * give the takeover back (releaseResume).
 */
export async function holdRow(client: DynamoDBDocumentClient, tableName: string, key: Record<string, unknown>, heldUntilMs: number, expiresAt: number): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET heldUntil = :until, expiresAt = :expiresAt',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':until': heldUntilMs, ':expiresAt': expiresAt },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/**
 * The presence this connection's own row carries for the same member, user and meta (a
 * consistent GetItem): a second join of the member on the same connection (phoenix joins
 * again when a join outlasted its push timeout) keeps it, as a rejoin on a new connection does.
 */
export async function ownPresence(client: DynamoDBDocumentClient, tableName: string, row: SubscriberRow, claim: MemberClaim): Promise<RowPresence | null> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: rowKey(row), ConsistentRead: true }));
  return Item && Item.member === claim.tag && Item.memberSub === claim.sub && Item.memberMeta === claim.userMeta ? presenceOf(Item) : null;
}

export async function releaseHeld(client: DynamoDBDocumentClient, tableName: string, held: HeldMember): Promise<void> {
  const ignoreCondition = (error: unknown) => {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  };
  // Only a held row: a timer delivered twice (SQS is at least once) finds it gone.
  await client
    .send(new DeleteCommand({ TableName: tableName, Key: rowKey(held), ConditionExpression: 'attribute_exists(heldUntil)' }))
    .catch(ignoreCondition);
  await client
    .send(new DeleteCommand({ TableName: tableName, Key: keys.member(held.topic, held.member), ConditionExpression: 'connectionId = :c', ExpressionAttributeValues: { ':c': held.connectionId } }))
    .catch(ignoreCondition);
}
