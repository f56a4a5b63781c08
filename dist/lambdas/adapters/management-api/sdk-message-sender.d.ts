/**
 * MessageSender over the official Management API client. Clients are created per
 * endpoint (each connection records the gateway that owns it) by an injected factory.
 */
import { type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Delivery, DeliveryOutcome, MessageSender } from '../../core/ports.js';
export type ManagementClientFactory = (endpoint: string) => ApiGatewayManagementApiClient;
export declare class SdkMessageSender implements MessageSender {
    private readonly clientFor;
    private readonly timeoutMs;
    private readonly clients;
    constructor(clientFor: ManagementClientFactory, timeoutMs: number);
    send({ endpoint, connectionId, data }: Delivery): Promise<DeliveryOutcome>;
    private client;
}
