/**
 * ConnectionCloser over the official Management API client (`DELETE @connections/{id}`).
 * Closing is rare and not on the fan-out hot path, so the SDK client's cost is fine here.
 */
import { DeleteConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
export class SdkConnectionCloser {
    clientFor;
    timeoutMs;
    clients = new Map();
    constructor(clientFor, timeoutMs) {
        this.clientFor = clientFor;
        this.timeoutMs = timeoutMs;
    }
    async close(endpoint, connectionId) {
        let client = this.clients.get(endpoint);
        if (!client) {
            client = this.clientFor(endpoint);
            this.clients.set(endpoint, client);
        }
        try {
            await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
            return 'closed';
        }
        catch (error) {
            // The client maps 410 to GoneException only when x-amzn-errortype says so.
            if (error instanceof GoneException || error.name === 'GoneException')
                return 'gone';
            throw error;
        }
    }
}
