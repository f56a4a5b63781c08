/**
 * DynamoDB for the local gateway: an embedded dynalite (in memory, or on disk with a data
 * dir) unless an endpoint is given (LocalStack, DynamoDB Local, AWS). The table is created
 * from the same definition the CDK construct uses when it does not exist yet.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../cli/embedded-dynamodb.js';
import type { DataDirLock } from '../cli/data-dir-lock.js';

export { ensureTable } from '../lambdas/adapters/dynamodb/ensure-table.js';

export const LOCAL_REGION = 'us-east-1';
/** dynalite and LocalStack accept any credentials; SigV4 still needs some to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly embedded: boolean;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** The data dir's lock (embedded, with a data dir): the gateway records its URL there. */
  readonly dataDirLock: DataDirLock | undefined;
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
  const embedded: EmbeddedDynamoDb | undefined = options.endpoint ? undefined : await startEmbeddedDynamoDb({ dataDir: options.dataDir });
  const endpoint = options.endpoint ?? (embedded as EmbeddedDynamoDb).endpoint;
  const clientConfig = { endpoint, region: process.env.AWS_REGION ?? LOCAL_REGION, credentials: credentialsFor(options.endpoint) };
  const client = new DynamoDBClient(clientConfig);
  return {
    newClient: () => new DynamoDBClient(clientConfig),
    endpoint,
    embedded: embedded !== undefined,
    dataDirLock: embedded?.lock,
    client,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    async end() {
      client.destroy();
      await embedded?.close();
    },
  };
}

/** Real AWS endpoints use the caller's credentials; local ones get the placeholders. */
function credentialsFor(endpoint: string | undefined) {
  if (endpoint && /amazonaws\.com/.test(endpoint)) return undefined;
  return process.env.AWS_ACCESS_KEY_ID ? undefined : LOCAL_CREDENTIALS;
}
