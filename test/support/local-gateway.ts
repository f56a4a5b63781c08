/**
 * Helpers for end-to-end tests against the local gateway (template-gateway.ts, npm start's
 * runtime): finding the connection id of a client, reading the gateway's table, and the
 * real Management API client pointed at the gateway.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunningGateway } from './template-gateway.js';
import { TEST_CREDENTIALS, TEST_REGION, type TestTable } from './dynalite.js';
import { openClient, type OpenClientOptions, type WsClient } from './ws-client.js';

/**
 * The API Gateway connection id of a client. Every client opened by `openClient` carries
 * a unique User-Agent, which the gateway records with the socket; the gateway adds the
 * socket to its pool before the client sees the handshake complete.
 */
export function connectionIdOf(gateway: Pick<RunningGateway, 'connections' | 'url'>, client: WsClient): string {
  for (const connection of gateway.connections.all()) {
    if (connection.userAgent === client.userAgent) return connection.connectionId;
  }
  throw new Error(`no connection with User-Agent ${client.userAgent} on the gateway at ${gateway.url}`);
}

/** Opens a client on the gateway and keeps it in `clients` (which the test closes after each case). */
export async function connectTracked(gateway: Pick<RunningGateway, 'connections' | 'url'>, clients: WsClient[], options: OpenClientOptions = {}): Promise<{ client: WsClient; id: string }> {
  const client = await openClient(gateway.url, options);
  clients.push(client);
  return { client, id: connectionIdOf(gateway, client) };
}

/**
 * The gateway's table as a TestTable, for the readers in table-items.ts. `stop()` only
 * closes the client: the gateway owns the DynamoDB.
 */
export function gatewayTable(gateway: Pick<RunningGateway, 'dynamoEndpoint' | 'tableName'>): TestTable {
  const client = new DynamoDBClient({ endpoint: gateway.dynamoEndpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  return {
    endpoint: gateway.dynamoEndpoint,
    tableName: gateway.tableName,
    embedded: true,
    client,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    async stop() {
      client.destroy();
    },
  };
}

/** The real Management API client, as a backend would configure it for this gateway. */
export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/**
 * Polls `check` until it returns true. Only for state that no message announces (items
 * in the table after a close nobody else observes); prefer waiting for a message.
 */
export async function waitUntil(check: () => Promise<boolean> | boolean, description: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let topicCounter = 0;
/** A topic no other test uses. */
export function uniqueTopic(prefix = 'room'): string {
  topicCounter += 1;
  return `${prefix}:e2e-${process.pid}-${topicCounter}`;
}
