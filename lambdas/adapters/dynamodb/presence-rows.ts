/**
 * Which presences are still in the table: a consistent BatchGetItem of the topic rows that
 * carried them. A presence is held while its row still carries the same `phx_ref` (a
 * rejoin writes a new one, a leave deletes the row). Part of DynamoRealtimeStore.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PresenceRow } from '../../core/ports.js';
import { shardOf } from '../../core/topics.js';
import { keys } from './table-schema.js';

// BatchGetItem takes at most 100 keys per request.
const KEYS_PER_REQUEST = 100;
// Rounds for keys DynamoDB hands back unprocessed (throttling): after them, the read fails.
const MAX_ROUNDS = 6;

export async function heldPresenceRefs(
  client: DynamoDBDocumentClient,
  tableName: string,
  topic: string,
  shards: number,
  rows: readonly PresenceRow[],
): Promise<Set<string>> {
  const held = new Set<string>();
  const unique = [...new Map(rows.map((row) => [row.connectionId, row])).values()];
  for (let start = 0; start < unique.length; start += KEYS_PER_REQUEST) {
    let pending: Record<string, unknown>[] = unique.slice(start, start + KEYS_PER_REQUEST).map(({ connectionId }) => keys.topicSubscriber(topic, shardOf(connectionId, shards), connectionId));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`presence rows of ${topic} could not be read: ${pending.length} keys left unprocessed`);
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({
          // Strong: a leave already delivered to a member must be seen here (its row is gone first).
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: '#meta', ExpressionAttributeNames: { '#meta': 'meta' } } },
        }),
      );
      for (const item of Responses?.[tableName] ?? []) {
        const ref = phxRefOf(item.meta);
        if (ref !== null) held.add(ref);
      }
      pending = (UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return held;
}

// Metas are JSON text (realtime-store.ts); maps written by earlier versions still read.
function phxRefOf(meta: unknown): string | null {
  const value = typeof meta === 'string' ? (JSON.parse(meta) as unknown) : meta;
  const ref = (value as { phx_ref?: unknown } | null)?.phx_ref;
  return typeof ref === 'string' ? ref : null;
}
