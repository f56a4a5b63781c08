/**
 * A DynamoDB table for tests: an embedded dynalite on an ephemeral port, or, when
 * DYNAMODB_ENDPOINT is set (LocalStack, DynamoDB Local), a uniquely named table there
 * that is deleted again by `stop()`. The table comes from the same definition the CDK
 * construct and the local gateway use.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDb } from '../../local-gateway/dynamodb.js';

export const TEST_REGION = LOCAL_REGION;
/** dynalite and LocalStack accept any credentials; SigV4 still needs some to sign with. */
export const TEST_CREDENTIALS = LOCAL_CREDENTIALS;

export interface TestTable {
  /** HTTP endpoint of the DynamoDB the table lives in. */
  readonly endpoint: string;
  readonly tableName: string;
  /** Whether the table lives in a dynalite started for this test run. */
  readonly embedded: boolean;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** Deletes the table (external endpoint) or stops dynalite, and closes the clients. */
  stop(): Promise<void>;
}

export interface TestTableOptions {
  /** Overrides DYNAMODB_ENDPOINT; when neither is set, dynalite is started. */
  readonly endpoint?: string | undefined;
  /** Prefix of the generated table name. @default 'topicast-test' */
  readonly tableNamePrefix?: string | undefined;
}

export async function startTestTable(options: TestTableOptions = {}): Promise<TestTable> {
  // The local gateway's own DynamoDB starter: embedded dynalite, or the given endpoint.
  const dynamo = await startDynamoDb({ endpoint: options.endpoint ?? process.env.DYNAMODB_ENDPOINT });
  const tableName = `${options.tableNamePrefix ?? 'topicast-test'}-${randomUUID().slice(0, 8)}`;
  try {
    await ensureTable(dynamo.client, tableName);
  } catch (error) {
    await dynamo.end();
    throw error;
  }
  return {
    endpoint: dynamo.endpoint,
    tableName,
    embedded: dynamo.embedded,
    client: dynamo.client,
    documentClient: dynamo.documentClient,
    async stop() {
      try {
        if (!dynamo.embedded) await dynamo.client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        await dynamo.end();
      }
    },
  };
}
