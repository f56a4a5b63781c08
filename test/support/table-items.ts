/**
 * Direct reads of the topicast table for assertions. Scan is fine here (tests only); the
 * runtime never scans.
 */
import { GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TestTable } from './dynalite.js';

export type TableItem = Record<string, unknown>;

export async function getItem(table: TestTable, key: { pk: string; sk: string }): Promise<TableItem | undefined> {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Every item of one partition, following pagination. */
export async function queryPartition(table: TestTable, pk: string): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let startKey: TableItem | undefined;
  do {
    const page = await table.documentClient.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item of the table. */
export async function scanTable(table: TestTable): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let startKey: TableItem | undefined;
  do {
    const page = await table.documentClient.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Items that belong to a connection: its own partition plus its rows in topic partitions. */
export async function itemsOfConnection(table: TestTable, connectionId: string): Promise<TableItem[]> {
  const all = await scanTable(table);
  return all.filter((item) => item.pk === `c#${connectionId}` || (String(item.pk).startsWith('t#') && item.sk === connectionId));
}

/** Sets `expiresAt` of every item of a connection (both sides), as if its TTL had passed at `epochSeconds`. */
export async function expireConnection(table: TestTable, connectionId: string, epochSeconds: number): Promise<void> {
  for (const item of await itemsOfConnection(table, connectionId)) {
    await table.documentClient.send(
      new UpdateCommand({ TableName: table.tableName, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET expiresAt = :t', ExpressionAttributeValues: { ':t': epochSeconds } }),
    );
  }
}

/**
 * The value of an attribute holding client or issuer JSON (presence meta, identity), whether
 * the store wrote it as a DynamoDB map or as JSON text: tests assert what is kept, not how.
 */
export function storedJson(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}
