/**
 * dynalite never expires items, while DynamoDB deletes them after `expiresAt`. The sweeper
 * stands in for DynamoDB's TTL: it finds expired items (a Scan, acceptable here because it
 * runs in the background of a local gateway, never on a request path) and deletes them,
 * as TTL does: no function runs for them, but the deletes reach the table's stream with
 * DynamoDB's own identity (the gateway captures this client's writes as expiry), where the
 * presence readers turn expired subscriptions into leaves, as they do on AWS.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from '../lambdas/adapters/dynamodb/batch-delete.js';
import { SORT_KEY_PREFIX, TABLE_SCHEMA } from '../lambdas/adapters/dynamodb/table-schema.js';

export interface SweepReport {
  /** Connection items among the deleted ones. */
  readonly connections: number;
  /** Every deleted item, connection items included. */
  readonly items: number;
}

export async function sweepExpiredItems(client: DynamoDBDocumentClient, tableName: string, nowSeconds: number): Promise<SweepReport> {
  const expiredKeys: Record<string, unknown>[] = [];
  let connections = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.timeToLiveAttribute },
        ExpressionAttributeValues: { ':now': nowSeconds },
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === SORT_KEY_PREFIX.connection && String(item.pk).startsWith('c#')) connections += 1;
      expiredKeys.push({ pk: item.pk, sk: item.sk });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await batchDelete(client, tableName, expiredKeys);
  return { connections, items: expiredKeys.length };
}
