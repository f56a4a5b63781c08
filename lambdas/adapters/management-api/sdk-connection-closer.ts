/**
 * ConnectionCloser over the official Management API client (`DELETE @connections/{id}`).
 * Closing is rare and not on the fan-out hot path, so the SDK client's cost is fine here.
 */
import { DeleteConnectionCommand, GoneException, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { CloseOutcome, ConnectionCloser } from '../../core/server-ports.js';
import type { ManagementClientFactory } from './sdk-message-sender.js';

export class SdkConnectionCloser implements ConnectionCloser {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();

  public constructor(
    private readonly clientFor: ManagementClientFactory,
    private readonly timeoutMs: number,
  ) {}

  public async close(endpoint: string, connectionId: string): Promise<CloseOutcome> {
    let client = this.clients.get(endpoint);
    if (!client) {
      client = this.clientFor(endpoint);
      this.clients.set(endpoint, client);
    }
    try {
      await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return 'closed';
    } catch (error) {
      // The client maps 410 to GoneException only when x-amzn-errortype says so.
      if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return 'gone';
      throw error;
    }
  }
}
