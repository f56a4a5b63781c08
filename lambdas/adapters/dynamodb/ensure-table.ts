/**
 * Creates the topicast table from the one definition (table-schema.ts) where it does not
 * exist yet: what the local gateway, `topicast dynamodb` and the tests do against dynalite,
 * LocalStack or DynamoDB Local. Deployed, CloudFormation creates it.
 */
import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput } from './table-schema.js';

export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    // Another gateway sharing this DynamoDB may have created it a moment ago.
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  return 'created';
}
