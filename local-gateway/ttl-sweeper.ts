/**
 * dynalite never expires items, while DynamoDB deletes them after `expiresAt`. The sweeper
 * stands in for DynamoDB's TTL: it finds expired items (a Scan, acceptable here because it
 * runs in the background of a local gateway, never on a request path), reaps expired
 * connections through the same cleanup as a 410 (so presence leaves go out), and deletes
 * the other expired items.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from '../lambdas/adapters/dynamodb/batch-delete.js';
import { SORT_KEY_PREFIX, TABLE_SCHEMA } from '../lambdas/adapters/dynamodb/table-schema.js';
import type { Broadcaster } from '../lambdas/core/use-cases/broadcaster.js';

export interface SweepReport {
  readonly connections: number;
  readonly items: number;
}

export async function sweepExpiredItems(client: DynamoDBDocumentClient, tableName: string, broadcaster: Broadcaster, nowSeconds: number): Promise<SweepReport> {
  const expiredConnections: string[] = [];
  const expiredKeys: Record<string, unknown>[] = [];
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
      const pk = String(item.pk);
      if (item.sk === SORT_KEY_PREFIX.connection && pk.startsWith('c#')) expiredConnections.push(pk.slice(2));
      else expiredKeys.push({ pk, sk: item.sk });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await broadcaster.reap(expiredConnections);
  // Items of a reaped connection are already gone with it.
  const reapedPartitions = new Set(expiredConnections.map((id) => `c#${id}`));
  await batchDelete(client, tableName, expiredKeys.filter(({ pk }) => !reapedPartitions.has(String(pk))));
  return { connections: expiredConnections.length, items: expiredKeys.length };
}
