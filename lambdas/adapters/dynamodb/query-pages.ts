/** Every page of one Query, following LastEvaluatedKey; empty pages are skipped. */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export async function* queryPages(client: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncIterable<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    if (page.Items && page.Items.length > 0) yield page.Items;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
