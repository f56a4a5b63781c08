import type { CloseOutcome, ConnectionCloser } from '../../core/server-ports.js';
import type { ManagementClientFactory } from './sdk-message-sender.js';
export declare class SdkConnectionCloser implements ConnectionCloser {
    private readonly clientFor;
    private readonly timeoutMs;
    private readonly clients;
    constructor(clientFor: ManagementClientFactory, timeoutMs: number);
    close(endpoint: string, connectionId: string): Promise<CloseOutcome>;
}
