/**
 * HistoryStore on the topicast table (layout: table-schema.ts). A broadcast costs two
 * writes: one UpdateItem on the topic's counter (atomic, so concurrent publishers never
 * share a seq; dynalite has no transactions and none is needed), then one PutItem of the
 * message under its seq. Payloads are stored as JSON text (a DynamoDB number cannot hold
 * every JSON number).
 *
 * Retention without deletes: every item carries `expiresAt` (TTL deletes it), and reads
 * never go below `counter - maxMessages`, so trimming to maxMessages costs no request.
 * Reads treat expired items as absent, because DynamoDB deletes them only eventually (and
 * dynalite never).
 *
 * A broadcast that took its seq but reached nobody (its subscriber read failed) is
 * discarded: its item is overwritten with a mark (`discarded`), a PutItem like the append's,
 * so the client's retry is not kept twice and a replay knows that seq for a hole.
 *
 * The counter starts at the current time in milliseconds, not at 1. After `ttlSeconds`
 * without a broadcast the counter expires with the messages; its next epoch still starts
 * above every seq of the last one, since one item takes at most 1000 writes per second
 * (DynamoDB's per-partition limit): a client holding an old seq never mistakes new
 * messages for ones it has seen.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, HistoryCounter, HistoryRecord, HistoryStore } from '../../core/ports.js';
import { keys } from './table-schema.js';

type Item = Record<string, unknown>;

export class DynamoHistoryStore implements HistoryStore {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  public async append(topic: string, message: { readonly event: string; readonly payload: unknown }, ttlSeconds: number): Promise<number> {
    const nowMs = this.clock.nowMs();
    const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.historyCounter(topic),
        UpdateExpression: 'SET seq = if_not_exists(seq, :start) + :one, #first = if_not_exists(#first, :first), expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#first': 'first' },
        ExpressionAttributeValues: { ':start': nowMs, ':one': 1, ':first': nowMs + 1, ':expiresAt': expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Number(Attributes?.seq);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.historyMessage(topic, seq), seq, event: message.event, payload: JSON.stringify(message.payload ?? null), expiresAt },
      }),
    );
    return seq;
  }

  public async discard(topic: string, seq: number, ttlSeconds: number): Promise<void> {
    const expiresAt = Math.floor(this.clock.nowMs() / 1000) + ttlSeconds;
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.historyMessage(topic, seq), seq, discarded: true, expiresAt } }));
  }

  public async counter(topic: string): Promise<HistoryCounter | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.historyCounter(topic),
        ProjectionExpression: 'seq, #first, expiresAt',
        ExpressionAttributeNames: { '#first': 'first' },
        ConsistentRead: true,
      }),
    );
    if (!Item || this.expired(Item)) return null;
    return { current: Number(Item.seq), first: Number(Item.first) };
  }

  public async *read(topic: string, range: { readonly after: number; readonly upTo: number; readonly limit: number }): AsyncIterable<readonly HistoryRecord[]> {
    if (range.limit <= 0 || range.upTo <= range.after) return;
    let remaining = range.limit;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.historyPartition(topic),
            ':from': keys.historySortKey(range.after + 1),
            ':to': keys.historySortKey(range.upTo),
          },
          ProjectionExpression: 'seq, event, payload, expiresAt, discarded',
          // A join reads what was written before its counter read: a strong read sees it all.
          ConsistentRead: true,
          Limit: remaining,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      remaining -= items.length;
      const records = items.filter((item) => !this.expired(item)).map(toRecord);
      if (records.length > 0) yield records;
      startKey = page.LastEvaluatedKey;
    } while (startKey && remaining > 0);
  }

  private expired(item: Item): boolean {
    return Number(item.expiresAt) <= Math.floor(this.clock.nowMs() / 1000);
  }
}

function toRecord(item: Item): HistoryRecord {
  const message = item.discarded === true ? null : { event: String(item.event), payload: JSON.parse(String(item.payload)) as unknown };
  return { seq: Number(item.seq), expiresAt: Number(item.expiresAt), message };
}
