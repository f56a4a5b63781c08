/**
 * MessageSender over the official Management API client. Clients are created per
 * endpoint (each connection records the gateway that owns it) by an injected factory.
 */
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
export class SdkMessageSender {
    clientFor;
    timeoutMs;
    clients = new Map();
    constructor(clientFor, timeoutMs) {
        this.clientFor = clientFor;
        this.timeoutMs = timeoutMs;
    }
    async send({ endpoint, connectionId, data }) {
        try {
            await this.client(endpoint).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), {
                // Hung Management API calls are a known SDK problem: bound every call.
                abortSignal: AbortSignal.timeout(this.timeoutMs),
            });
            return 'delivered';
        }
        catch (error) {
            // The client maps 410 to GoneException only when x-amzn-errortype says so.
            if (error instanceof GoneException || error.name === 'GoneException')
                return 'gone';
            return 'failed';
        }
    }
    client(endpoint) {
        let client = this.clients.get(endpoint);
        if (!client) {
            client = this.clientFor(endpoint);
            this.clients.set(endpoint, client);
        }
        return client;
    }
}
