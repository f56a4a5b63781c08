/**
 * `socket.kv` on the topicast table. Each key is one item (`pk = kv#<key>`), so channel
 * data can never collide with connections and subscriptions, and IAM can confine module
 * storage to that prefix. Values are stored as JSON text (a DynamoDB number cannot hold
 * every JSON number). Every write sets `expiresAt`; reads treat an expired item as absent,
 * because DynamoDB deletes expired items only eventually (and dynalite never).
 *
 * Lists (`append`) live in one item: an append is one UpdateItem with `list_append`, safe
 * under concurrent appends. The item may hold up to `keep` plus a tenth more entries; once
 * it reaches that, a second write puts back the newest `keep`, conditional on the length
 * just seen (a racing append makes it fail harmlessly; a later append trims). Reads return
 * the newest `keep`. So a steady stream of appends costs 1 + 10/keep writes each on average
 * (1.2 for keep = 50).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChannelKv, JsonValue } from '../../core/channels/definition.js';
import type { Clock } from '../../core/ports.js';
import { utf8ByteLength } from '../../core/protocol/safe-json.js';
import { CHANNEL_KV_PREFIX, keys } from './table-schema.js';

export const KV_LIMITS = {
  /** Keys become a partition key, `kv#<key>`: DynamoDB takes at most 2048 bytes of UTF-8 there. */
  maxKeyBytes: 2048 - CHANNEL_KV_PREFIX.length,
  defaultTtlSeconds: 24 * 60 * 60,
  maxTtlSeconds: 365 * 24 * 60 * 60,
  maxKeep: 1000,
} as const;

export class DynamoChannelKv implements ChannelKv {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  public async get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined> {
    const item = await this.read(key, 'val, expiresAt');
    return typeof item?.val === 'string' ? (JSON.parse(item.val) as T) : undefined;
  }

  public async set(key: string, value: JsonValue, options: { readonly ttlSeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.channelKv(checkedKey(key)), val: jsonText(value), expiresAt: this.expiry(options.ttlSeconds) } }),
    );
  }

  public async delete(key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.channelKv(checkedKey(key)) }));
  }

  public async append(key: string, value: JsonValue, options: { readonly keep: number; readonly ttlSeconds?: number }): Promise<void> {
    const { keep } = options;
    if (!Number.isInteger(keep) || keep < 1 || keep > KV_LIMITS.maxKeep) throw new RangeError(`keep must be an integer from 1 to ${KV_LIMITS.maxKeep}, got ${String(keep)}`);
    const Key = keys.channelKv(checkedKey(key));
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key,
        UpdateExpression: 'SET #entries = list_append(if_not_exists(#entries, :none), :entry), #keep = :keep, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#entries': 'entries', '#keep': 'keep' },
        ExpressionAttributeValues: { ':none': [], ':entry': [jsonText(value)], ':keep': keep, ':expiresAt': this.expiry(options.ttlSeconds) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const entries: unknown[] = Array.isArray(Attributes?.entries) ? Attributes.entries : [];
    if (entries.length < keep + Math.ceil(keep / 10)) return;
    try {
      // The newest `keep` as just read, written back only if nothing was appended since.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET #entries = :kept',
          ConditionExpression: 'size(#entries) = :length',
          ExpressionAttributeNames: { '#entries': 'entries' },
          ExpressionAttributeValues: { ':kept': entries.slice(-keep), ':length': entries.length },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  public async list<T extends JsonValue = JsonValue>(key: string): Promise<T[]> {
    const item = await this.read(key, 'entries, keep, expiresAt');
    if (!item || !Array.isArray(item.entries)) return [];
    const keep = typeof item.keep === 'number' ? item.keep : item.entries.length;
    return item.entries.slice(-keep).map((entry) => JSON.parse(String(entry)) as T);
  }

  private async read(key: string, projection: string): Promise<Record<string, unknown> | undefined> {
    const names = projection.split(', ');
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.channelKv(checkedKey(key)),
        ProjectionExpression: names.map((name) => `#${name}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ConsistentRead: true,
      }),
    );
    if (!Item || Number(Item.expiresAt) <= Math.floor(this.clock.nowMs() / 1000)) return undefined;
    return Item;
  }

  private expiry(ttlSeconds: number = KV_LIMITS.defaultTtlSeconds): number {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > KV_LIMITS.maxTtlSeconds) {
      throw new RangeError(`ttlSeconds must be an integer from 1 to ${KV_LIMITS.maxTtlSeconds}, got ${String(ttlSeconds)}`);
    }
    return Math.floor(this.clock.nowMs() / 1000) + ttlSeconds;
  }
}

// With the `u` flag a surrogate pair is one code point: only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Counted in UTF-8 bytes, as DynamoDB counts key sizes: a key of 1024 characters is 3072
 * bytes when each is `€`. A lone surrogate has no UTF-8 form at all.
 */
function checkedKey(key: string): string {
  if (typeof key !== 'string' || key.length < 1 || LONE_SURROGATE.test(key) || utf8ByteLength(key) > KV_LIMITS.maxKeyBytes) {
    throw new RangeError(`a kv key must be a well-formed string of 1 to ${KV_LIMITS.maxKeyBytes} bytes in UTF-8`);
  }
  return key;
}

function jsonText(value: JsonValue): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('a kv value must be JSON (not undefined or a function)');
  return text;
}
