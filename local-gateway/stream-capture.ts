/**
 * Feeds the local table stream from the DynamoDB client, item by item, as DynamoDB feeds
 * its stream: a middleware sees every PutItem, DeleteItem and BatchWriteItem on a topic
 * item or a connection item after serialization (so document-client and low-level commands alike), reads the
 * old image the write replaced (ReturnValues ALL_OLD, handed back only if the caller asked
 * for it), and records the change once the write succeeded. A conditional write that
 * failed records nothing. Reads pass untouched.
 */
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { EXPIRED_CONNECTION_ROW_FILTER } from '../lambdas/core/channels/expired-rows.js';
import { CONNECTION_ITEM_STREAM_FILTER } from '../lambdas/core/lifecycle-events.js';
import { TOPIC_ITEM_PREFIX } from '../lambdas/core/presence-readers.js';
import type { LocalTableStream } from './table-stream.js';

type Image = Record<string, AttributeValue>;
type Keys = { pk: AttributeValue; sk: AttributeValue };
interface SerializedRequest {
  headers: Record<string, string>;
  body?: unknown;
}

export interface StreamCaptureOptions {
  /** Deletes by this client are TTL's (the local sweeper): their records carry DynamoDB's identity. */
  readonly expiry?: boolean;
  /**
   * Reads the old images of a BatchWriteItem (which cannot return them) on a client of its
   * own, so that request counts on the captured client stay what AWS would see.
   */
  readonly imageReader: DynamoDBClient;
}

export function captureTableStream(client: DynamoDBClient, stream: LocalTableStream, options: StreamCaptureOptions): void {
  const expired = options.expiry === true;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = (args as { request?: SerializedRequest }).request;
      const operation = request?.headers['x-amz-target']?.split('.')[1];
      const text = request ? bodyText(request.body) : null;
      if (!request || text === null || !operation) return next(args);
      const body = JSON.parse(text) as Record<string, unknown>;

      if (operation === 'PutItem' || operation === 'DeleteItem') {
        const item = operation === 'PutItem' ? (body.Item as Image) : undefined;
        const keys = keysOf(item ?? (body.Key as Image));
        if (!keys) return next(args);
        const asked = body.ReturnValues;
        rewriteBody(request, { ...body, ReturnValues: 'ALL_OLD' });
        const result = await next(args);
        const output = result.output as { Attributes?: Record<string, unknown> };
        const oldImage = asImage(output.Attributes);
        if (asked !== 'ALL_OLD') delete output.Attributes;
        stream.record({ keys, oldImage, newImage: item, expired });
        return result;
      }

      const updated = operation === 'UpdateItem' ? keysOf(body.Key as Image) : null;
      // A topic item updated in place (a held presence, its takeover: presence-grace.ts): the
      // old image is read first (consistently, on the image reader), the new one returned by
      // the update itself. Connection items are updated on every join and leave (MODIFY
      // records, which no reader's filter passes), always under `attribute_exists`.
      if (updated?.pk.S?.startsWith(TOPIC_ITEM_PREFIX)) {
        const asked = body.ReturnValues;
        if (asked !== undefined && asked !== 'NONE' && asked !== 'ALL_NEW' && asked !== 'ALL_OLD') throw new Error(`the local table stream cannot capture UpdateItem with ReturnValues ${String(asked)} on a topic item`);
        const table = String(body.TableName);
        const oldImage = (await readImages(options.imageReader, [{ table, keys: updated, item: undefined }])).get(table)?.get(keyText(updated));
        rewriteBody(request, { ...body, ReturnValues: 'ALL_NEW' });
        const result = await next(args);
        const output = result.output as { Attributes?: Record<string, unknown> };
        const newImage = asImage(output.Attributes);
        if (asked === 'ALL_OLD') output.Attributes = oldImage;
        else if (asked !== 'ALL_NEW') delete output.Attributes;
        stream.record({ keys: updated, oldImage, newImage, expired });
        return result;
      }

      if (operation === 'BatchWriteItem') {
        const writes = topicWrites(body.RequestItems as Record<string, BatchRequest[]>);
        if (writes.length === 0) return next(args);
        const oldImages = await readImages(options.imageReader, writes);
        const result = await next(args);
        const unprocessed = new Set(
          Object.values((result.output as { UnprocessedItems?: Record<string, BatchRequest[]> }).UnprocessedItems ?? {})
            .flat()
            // Plain values or AttributeValues, depending on the client (see asImage).
            .map((request) => keyText(keysOf(asImage(request.PutRequest?.Item ?? request.DeleteRequest?.Key)))),
        );
        for (const write of writes) {
          if (unprocessed.has(keyText(write.keys))) continue;
          stream.record({ keys: write.keys, oldImage: oldImages.get(write.table)?.get(keyText(write.keys)), newImage: write.item, expired });
        }
        return result;
      }
      return next(args);
    },
    // After serialization (the body is the wire JSON) and before signing.
    { step: 'build', priority: 'high', name: 'topicastTableStream' },
  );
}

interface BatchRequest {
  PutRequest?: { Item: Image };
  DeleteRequest?: { Key: Image };
}

interface TopicWrite {
  readonly table: string;
  readonly keys: Keys;
  readonly item: Image | undefined;
}

function topicWrites(requestItems: Record<string, BatchRequest[]> | undefined): TopicWrite[] {
  const writes: TopicWrite[] = [];
  for (const [table, requests] of Object.entries(requestItems ?? {})) {
    for (const request of requests) {
      const item = request.PutRequest?.Item;
      const keys = keysOf(item ?? request.DeleteRequest?.Key ?? {});
      if (keys) writes.push({ table, keys, item });
    }
  }
  return writes;
}

async function readImages(reader: DynamoDBClient, writes: readonly TopicWrite[]): Promise<Map<string, Map<string, Image>>> {
  const images = new Map<string, Map<string, Image>>();
  // BatchWriteItem takes 25 requests, BatchGetItem 100 keys: one read covers a batch.
  const byTable = new Map<string, Keys[]>();
  for (const { table, keys } of writes) byTable.set(table, [...(byTable.get(table) ?? []), keys]);
  let request: Record<string, { Keys: Keys[]; ConsistentRead: boolean }> | undefined = Object.fromEntries(
    [...byTable].map(([table, keys]) => [table, { Keys: keys, ConsistentRead: true }]),
  );
  while (request && Object.keys(request).length > 0) {
    const { Responses, UnprocessedKeys } = await reader.send(new BatchGetItemCommand({ RequestItems: request }));
    for (const [table, items] of Object.entries(Responses ?? {})) {
      const found = images.get(table) ?? new Map<string, Image>();
      for (const item of items) found.set(keyText(keysOf(item)), item);
      images.set(table, found);
    }
    request = UnprocessedKeys as typeof request;
  }
  return images;
}

/** The keys of an item the stream's readers may want (topic items, connection items), else null. */
function keysOf(image: Image | undefined): Keys | null {
  const pk = image?.pk;
  const sk = image?.sk;
  if (!pk || !sk || pk.S === undefined) return null;
  const connectionItem = pk.S.startsWith(CONNECTION_ITEM_STREAM_FILTER.pkPrefix) && sk.S === CONNECTION_ITEM_STREAM_FILTER.sortKey;
  // Connection rows too: a reader runs the module `leave` of those TTL deletes.
  const connectionRow = pk.S.startsWith(EXPIRED_CONNECTION_ROW_FILTER.pkPrefix) && sk.S?.startsWith(EXPIRED_CONNECTION_ROW_FILTER.skPrefix) === true;
  return pk.S.startsWith(TOPIC_ITEM_PREFIX) || connectionItem || connectionRow ? { pk, sk } : null;
}

function keyText(keys: Keys | null): string {
  return keys ? `${keys.pk.S ?? ''}\u0000${keys.sk.S ?? ''}` : '';
}

/** The serialized JSON body: a string, or bytes (the SDK's schema-based serializers write bytes). */
function bodyText(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return null;
}

/**
 * Returned attributes as a stream image (AttributeValue JSON). The document client's
 * schema-based deserializer may already have turned them into plain values; every item
 * of the table has a string `pk`, which tells the two forms apart.
 */
function asImage(attributes: Record<string, unknown> | undefined): Image | undefined {
  if (!attributes) return undefined;
  return typeof attributes.pk === 'string' ? marshall(attributes, { removeUndefinedValues: true }) : (attributes as Image);
}

function rewriteBody(request: SerializedRequest, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  request.body = text;
  for (const name of Object.keys(request.headers)) {
    if (name.toLowerCase() === 'content-length') request.headers[name] = String(Buffer.byteLength(text));
  }
}
