/**
 * DynamoDB for the local gateway: an embedded dynalite (in memory, or on disk with a data
 * dir) unless an endpoint is given (LocalStack, DynamoDB Local, AWS). The table is created
 * from the same definition the CDK construct uses when it does not exist yet.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../lambdas/adapters/dynamodb/table-schema.js';

export const LOCAL_REGION = 'us-east-1';
/** dynalite and LocalStack accept any credentials; SigV4 still needs some to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly embedded: boolean;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** Another client to the same endpoint (its own middleware stack); the caller destroys it. */
  newClient(): DynamoDBClient;
  end(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** Use this endpoint instead of starting dynalite. */
  readonly endpoint?: string | undefined;
  /** Keep dynalite's data on disk in this folder (LevelDB) instead of in memory. */
  readonly dataDir?: string | undefined;
}

export async function startDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  let server: Server | undefined;
  let endpoint = options.endpoint;
  if (!endpoint) {
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) }) as Server;
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(0, '127.0.0.1', () => resolve());
    });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const clientConfig = { endpoint, region: process.env.AWS_REGION ?? LOCAL_REGION, credentials: credentialsFor(options.endpoint) };
  const client = new DynamoDBClient(clientConfig);
  return {
    newClient: () => new DynamoDBClient(clientConfig),
    endpoint,
    embedded: server !== undefined,
    client,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    async end() {
      client.destroy();
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

/** Real AWS endpoints use the caller's credentials; local ones get the placeholders. */
function credentialsFor(endpoint: string | undefined) {
  if (endpoint && /amazonaws\.com/.test(endpoint)) return undefined;
  return process.env.AWS_ACCESS_KEY_ID ? undefined : LOCAL_CREDENTIALS;
}

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
