/**
 * What a write did to each item, for the tables with a stream: the local AWS endpoint
 * reads the items a write names before and after forwarding it (consistent reads, wire
 * JSON as the stream carries it) and records the change. dynalite has no streams; two
 * writes racing on one item may see each other's images here, which DynamoDB would order.
 * TTL deletion is swept here too (dynalite deletes nothing by TTL): expired items are
 * deleted under a condition that they are still expired, and recorded as DynamoDB's own.
 */
import { postJson } from '../../lambdas/adapters/aws-json/json-post.js';
import { retryingJsonPost } from '../../lambdas/adapters/aws-json/retrying-post.js';
import type { TableModel } from '../assembly/local-app.js';
import type { Image, TableStreams } from './table-streams.js';

interface Write {
  readonly table: string;
  readonly keys: Image;
}

type Body = Record<string, unknown>;

export class StreamCapture {
  private readonly keySchemas: ReadonlyMap<string, string[]>;

  public constructor(
    private readonly tables: readonly TableModel[],
    private readonly streams: TableStreams,
    private readonly endpoint: string,
  ) {
    this.keySchemas = new Map(tables.map((table) => [table.tableName, ((table.createTable.KeySchema ?? []) as { AttributeName: string }[]).map((key) => key.AttributeName)]));
  }

  private readonly inFlight = new Set<Promise<void>>();

  /**
   * Runs `forward` (which answers the caller and resolves to its status) and records what it
   * changed. The caller has its answer before the record is made, as on AWS, where a stream
   * record follows the write: `settled` waits for the records of the writes under way.
   */
  public around(target: string, body: Body, forward: () => Promise<number>): Promise<void> {
    const capturing = this.capture(target, body, forward);
    this.inFlight.add(capturing);
    void capturing.finally(() => this.inFlight.delete(capturing)).catch(() => undefined);
    return capturing;
  }

  /** Resolves once every write under way has been recorded (or failed). */
  public async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async capture(target: string, body: Body, forward: () => Promise<number>): Promise<void> {
    const writes = this.writesOf(target.replace(/^DynamoDB_\d+\./, ''), body).filter((write) => this.streams.streams(write.table));
    if (writes.length === 0) {
      await forward();
      return;
    }
    const before = await this.read(writes);
    const status = await forward();
    if (status !== 200) return;
    const after = await this.read(writes);
    for (const write of writes) {
      const key = keyText(write);
      this.streams.record({ table: write.table, keys: write.keys, oldImage: before.get(key), newImage: after.get(key) });
    }
  }

  /** Deletes the items whose TTL has passed, as DynamoDB's TTL does; returns how many. */
  public async sweep(nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> {
    let removed = 0;
    for (const table of this.tables) {
      if (!table.ttlAttribute) continue;
      const names = { '#ttl': table.ttlAttribute };
      const values = { ':now': { N: String(nowSeconds) } };
      let start: Image | undefined;
      do {
        const page = (await this.call('Scan', { TableName: table.tableName, FilterExpression: '#ttl < :now', ExpressionAttributeNames: names, ExpressionAttributeValues: values, ...(start ? { ExclusiveStartKey: start } : {}) })) as { Items?: Image[]; LastEvaluatedKey?: Image };
        for (const item of page.Items ?? []) {
          const keys = Object.fromEntries((this.keySchemas.get(table.tableName) ?? []).map((name) => [name, item[name]]));
          const deleted = (await this.call('DeleteItem', { TableName: table.tableName, Key: keys, ConditionExpression: '#ttl < :now', ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: 'ALL_OLD' }, true)) as { Attributes?: Image } | undefined;
          if (!deleted?.Attributes) continue;
          removed += 1;
          this.streams.record({ table: table.tableName, keys, oldImage: deleted.Attributes, newImage: undefined, expired: true });
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return removed;
  }

  private writesOf(operation: string, body: Body): Write[] {
    const keyOf = (table: unknown, item: unknown): Write[] => {
      const names = this.keySchemas.get(String(table));
      if (!names || typeof item !== 'object' || item === null) return [];
      return [{ table: String(table), keys: Object.fromEntries(names.map((name) => [name, (item as Image)[name]])) }];
    };
    switch (operation) {
      case 'PutItem':
        return keyOf(body.TableName, body.Item);
      case 'UpdateItem':
      case 'DeleteItem':
        return keyOf(body.TableName, body.Key);
      case 'BatchWriteItem':
        return Object.entries((body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Image }; DeleteRequest?: { Key: Image } }[]>).flatMap(([table, requests]) =>
          requests.flatMap((request) => keyOf(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key)),
        );
      case 'TransactWriteItems':
        return ((body.TransactItems ?? []) as Record<string, { TableName?: string; Key?: Image; Item?: Image }>[]).flatMap((item) =>
          Object.entries(item)
            .filter(([kind]) => kind !== 'ConditionCheck')
            .flatMap(([, request]) => keyOf(request.TableName, request.Key ?? request.Item)),
        );
      default:
        return [];
    }
  }

  private async read(writes: readonly Write[]): Promise<Map<string, Image>> {
    const images = new Map<string, Image>();
    const unique = [...new Map(writes.map((write) => [keyText(write), write])).values()];
    for (let index = 0; index < unique.length; index += 100) {
      const byTable: Record<string, { Keys: Image[]; ConsistentRead: true }> = {};
      for (const write of unique.slice(index, index + 100)) (byTable[write.table] ??= { Keys: [], ConsistentRead: true }).Keys.push(write.keys);
      let request: Record<string, unknown> | undefined = byTable;
      while (request && Object.keys(request).length > 0) {
        const answer = (await this.call('BatchGetItem', { RequestItems: request })) as { Responses?: Record<string, Image[]>; UnprocessedKeys?: Record<string, unknown> };
        for (const [table, items] of Object.entries(answer.Responses ?? {})) {
          const names = this.keySchemas.get(table) ?? [];
          for (const item of items) images.set(keyText({ table, keys: Object.fromEntries(names.map((name) => [name, item[name]])) }), item);
        }
        request = answer.UnprocessedKeys;
      }
    }
    return images;
  }

  /** One DynamoDB call in wire JSON, straight to the DynamoDB behind the runtime (no IAM: DynamoDB itself). */
  private async call(operation: string, body: Body, conditional = false): Promise<unknown> {
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      // dynalite and other local endpoints want a signature's shape, not a valid one.
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      'x-amz-date': '20200101T000000Z',
    };
    // A record missed here is a stream record AWS never loses: a reset kept-alive socket or a
    // 5xx from a DynamoDB behind a proxy is tried again, as the SDK would (these reads are
    // idempotent, and the sweep's delete is conditional).
    const { status, body: text } = await postWithRetries(new URL(this.endpoint), headers, JSON.stringify(body), CALL_TIMEOUT_MS);
    let answer: { __type?: string; message?: string };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new Error(`${operation} on the local DynamoDB failed: HTTP ${status} with a body that is not JSON (${JSON.stringify(text.slice(0, 200))})`);
    }
    if (status === 200) return answer;
    if (conditional && String(answer.__type).endsWith('ConditionalCheckFailedException')) return undefined;
    throw new Error(`${operation} on the local DynamoDB failed: ${String(answer.__type)} ${String(answer.message ?? '')}`);
  }
}

// Every write to a streamed table costs two of these reads: the functions' own node:http JSON
// post (kept sockets; fetch's web streams cost a tenth of the runtime's CPU while joining).
const postWithRetries = retryingJsonPost(postJson);
const CALL_TIMEOUT_MS = 10_000;

function keyText(write: Write): string {
  return `${write.table}\u0000${JSON.stringify(Object.keys(write.keys).sort().map((name) => [name, write.keys[name]]))}`;
}
