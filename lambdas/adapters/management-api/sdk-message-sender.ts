/**
 * MessageSender over the official Management API client. Clients are created per
 * endpoint (each connection records the gateway that owns it) by an injected factory.
 */
import { GoneException, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Delivery, DeliveryOutcome, MessageSender } from '../../core/ports.js';

export type ManagementClientFactory = (endpoint: string) => ApiGatewayManagementApiClient;

export class SdkMessageSender implements MessageSender {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();

  public constructor(
    private readonly clientFor: ManagementClientFactory,
    private readonly timeoutMs: number,
  ) {}

  public async send({ endpoint, connectionId, data }: Delivery): Promise<DeliveryOutcome> {
    try {
      await this.client(endpoint).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), {
        // Hung Management API calls are a known SDK problem: bound every call.
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      return 'delivered';
    } catch (error) {
      // The client maps 410 to GoneException only when x-amzn-errortype says so.
      if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return 'gone';
      return 'failed';
    }
  }

  private client(endpoint: string): ApiGatewayManagementApiClient {
    let client = this.clients.get(endpoint);
    if (!client) {
      client = this.clientFor(endpoint);
      this.clients.set(endpoint, client);
    }
    return client;
  }
}
