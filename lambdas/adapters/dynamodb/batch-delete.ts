import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Key = Record<string, unknown>;

// BatchWriteItem takes at most 25 requests and hands some back as UnprocessedItems when a
// partition is throttled; those are retried with jittered exponential backoff, 6 rounds
// (about 3 s at worst), so a hot partition slows cleanup down rather than skipping it.
const BATCH_LIMIT = 25;
const MAX_ROUNDS = 6;
const BASE_DELAY_MS = 50;

/**
 * Deletes `keys` in parallel batches; returns the keys that are still there after the
 * retry bound (unprocessed every round, or in a batch whose request kept failing), so the
 * caller can keep whatever depends on them instead of orphaning it.
 */
export async function batchDelete(client: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<Key[]> {
  const batches: Key[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_LIMIT) batches.push(keys.slice(i, i + BATCH_LIMIT));
  const left = await Promise.all(batches.map((batch) => deleteBatch(client, tableName, batch)));
  return left.flat();
}

async function deleteBatch(client: DynamoDBDocumentClient, tableName: string, batch: Key[]): Promise<Key[]> {
  let requests = batch.map((Key) => ({ DeleteRequest: { Key } }));
  for (let round = 0; requests.length > 0 && round < MAX_ROUNDS; round += 1) {
    if (round > 0) await sleep(Math.random() * BASE_DELAY_MS * 2 ** round);
    try {
      const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    } catch (error) {
      // The SDK already retried this request; a transient failure gets the next round too.
      if (!isTransient(error)) throw error;
    }
  }
  return requests.map((request) => request.DeleteRequest.Key);
}

/** Server errors and throttling may pass; anything else (a bad request) never will. */
export function isTransient(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode ?? 0;
  return status >= 500 || THROTTLING.has(String(name));
}

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'InternalServerError']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
