/** Every page of one Query, following LastEvaluatedKey; empty pages are skipped. */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** With `limit`, stops after that many items: each page asks only for what is still missing (Query's Limit). */
export async function* queryPages(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  limit: number = Number.POSITIVE_INFINITY,
): AsyncIterable<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  let left = limit;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey, ...(Number.isFinite(left) ? { Limit: left } : {}) }));
    const items = page.Items ?? [];
    if (items.length > 0) yield items;
    left -= items.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey && left > 0);
}
