/**
 * MessageSender over the official Management API client, the reference `npm run bench`
 * measures the hot path against (and the local gateway's TOPICAST_LOCAL_SENDER=sdk).
 * Clients are created per endpoint (each connection records the gateway that owns it) by
 * an injected factory, which should give the client its timeout as the request handler's
 * `socketTimeout`: that counts from when a socket takes the request, where an AbortSignal
 * would also count the wait for one of the SDK's 50 sockets and drop posts under load.
 * Not at most once: the SDK's retry strategy also retries timeouts and resets that came
 * after the request was written.
 */
import { GoneException, PostToConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Delivery, DeliveryResult, MessageSender } from '../../core/ports.js';

export type ManagementClientFactory = (endpoint: string) => ApiGatewayManagementApiClient;

export class SdkMessageSender implements MessageSender {
  private readonly clients = new Map<string, ApiGatewayManagementApiClient>();

  public constructor(
    private readonly clientFor: ManagementClientFactory,
    private readonly timeoutMs: number,
  ) {}

  public async send({ endpoint, connectionId, data, deadlineMs }: Delivery): Promise<DeliveryResult> {
    if (deadlineMs !== undefined && Date.now() + this.timeoutMs > deadlineMs) return { outcome: 'unsent', status: null, retries: 0, reason: 'deadline' };
    try {
      const output = await this.client(endpoint).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      return { outcome: 'delivered', status: output.$metadata.httpStatusCode ?? 200, retries: retriesOf(output.$metadata) };
    } catch (error) {
      const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata ?? {};
      const status = metadata.httpStatusCode ?? null;
      // The client maps 410 to GoneException only when x-amzn-errortype says so.
      if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return { outcome: 'gone', status, retries: retriesOf(metadata) };
      return { outcome: 'failed', status, retries: retriesOf(metadata), reason: String((error as Error).name ?? error) };
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

/** The SDK retries 429 and 5xx itself (three attempts in all by default). */
function retriesOf(metadata: { attempts?: number }): number {
  return Math.max(0, (metadata.attempts ?? 1) - 1);
}
