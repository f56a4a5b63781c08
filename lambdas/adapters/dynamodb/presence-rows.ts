/**
 * Which presences are still in the table: a consistent BatchGetItem of the topic rows that
 * carried them. A presence is held while its row still carries the same `phx_ref` (a
 * rejoin writes a new one, a leave deletes the row). A named member's presence may have
 * moved: its rejoin took it over (presence-grace.ts) and the old row went; the member
 * record (`m#`) names the connection of its latest join, whose row then carries the same
 * `phx_ref`. Part of DynamoRealtimeStore.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PresenceRow } from '../../core/ports.js';
import { shardOf } from '../../core/topics.js';
import { keys } from './table-schema.js';

// BatchGetItem takes at most 100 keys per request.
const KEYS_PER_REQUEST = 100;
// Rounds for keys DynamoDB hands back unprocessed (throttling): after them, the read fails.
const MAX_ROUNDS = 6;

type Item = Record<string, unknown>;

export async function heldPresenceRefs(
  client: DynamoDBDocumentClient,
  tableName: string,
  topic: string,
  shards: number,
  rows: readonly PresenceRow[],
): Promise<Set<string>> {
  const unique = [...new Map(rows.map((row) => [row.connectionId, row])).values()];
  const rowKey = (connectionId: string) => keys.topicSubscriber(topic, shardOf(connectionId, shards), connectionId);
  const held = new Set<string>();
  for (const item of await readConsistently(client, tableName, unique.map(({ connectionId }) => rowKey(connectionId)), '#meta')) {
    const ref = phxRefOf(item.meta);
    if (ref !== null) held.add(ref);
  }
  // Named members whose row no longer carries their presence: where did their latest join go?
  const moved = unique.filter((row) => row.member !== undefined && !held.has(row.meta.phx_ref));
  if (moved.length === 0) return held;
  const tags = [...new Set(moved.map((row) => row.member as string))];
  const latest = new Map<string, string>();
  for (const item of await readConsistently(client, tableName, tags.map((tag) => keys.member(topic, tag)), 'sk, connectionId')) {
    if (typeof item.connectionId === 'string') latest.set(String(item.sk), item.connectionId);
  }
  const elsewhere = [...new Set(moved.flatMap((row) => {
    const now = latest.get(row.member as string);
    return now !== undefined && now !== row.connectionId ? [now] : [];
  }))];
  for (const item of await readConsistently(client, tableName, elsewhere.map(rowKey), '#meta')) {
    const ref = phxRefOf(item.meta);
    if (ref !== null && moved.some((row) => row.meta.phx_ref === ref)) held.add(ref);
  }
  return held;
}

/** Strongly consistent BatchGetItem of `keys` (a leave already delivered to a member must be seen here: its row is gone first). */
async function readConsistently(client: DynamoDBDocumentClient, tableName: string, itemKeys: readonly Item[], projection: string): Promise<Item[]> {
  const items: Item[] = [];
  for (let start = 0; start < itemKeys.length; start += KEYS_PER_REQUEST) {
    let pending: Item[] = itemKeys.slice(start, start + KEYS_PER_REQUEST);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`presence rows could not be read: ${pending.length} keys left unprocessed`);
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: projection, ...(projection.includes('#meta') ? { ExpressionAttributeNames: { '#meta': 'meta' } } : {}) },
          },
        }),
      );
      items.push(...((Responses?.[tableName] as Item[] | undefined) ?? []));
      pending = (UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return items;
}

// Metas are JSON text (realtime-store.ts); maps written by earlier versions still read.
function phxRefOf(meta: unknown): string | null {
  const value = typeof meta === 'string' ? (JSON.parse(meta) as unknown) : meta;
  const ref = (value as { phx_ref?: unknown } | null)?.phx_ref;
  return typeof ref === 'string' ? ref : null;
}
