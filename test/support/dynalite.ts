/**
 * A DynamoDB table for tests: an embedded dynalite on an ephemeral port, or, when
 * DYNAMODB_ENDPOINT is set (LocalStack, DynamoDB Local), a uniquely named table there
 * that is deleted again by `stop()`. The table comes from the same definition the CDK
 * construct and the local gateway use.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../lambdas/adapters/dynamodb/table-schema.js';

export const TEST_REGION = 'us-east-1';
/** dynalite and LocalStack accept any credentials; SigV4 still needs some to sign with. */
export const TEST_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

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

type DynaliteFactory = (options: Record<string, unknown>) => Server;

// dynalite is CommonJS without type declarations: load it through require, typed here.
const require = createRequire(import.meta.url);

export async function startTestTable(options: TestTableOptions = {}): Promise<TestTable> {
  const external = options.endpoint ?? process.env.DYNAMODB_ENDPOINT;
  const server = external ? undefined : await startDynalite();
  const endpoint = external ?? `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  const tableName = `${options.tableNamePrefix ?? 'topicast-test'}-${randomUUID().slice(0, 8)}`;

  const client = new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 3 });
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  } catch (error) {
    client.destroy();
    if (server) await closeServer(server);
    throw error;
  }

  return {
    endpoint,
    tableName,
    embedded: server !== undefined,
    client,
    documentClient,
    async stop() {
      try {
        if (!server) await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        client.destroy();
        if (server) await closeServer(server);
      }
    },
  };
}

async function startDynalite(): Promise<Server> {
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
