import type { Reason } from './protocol/constants.js';
/**
 * A request the protocol refuses. Carries the stable reason code sent to the client;
 * `message` is for humans and may change.
 */
export declare class ProtocolError extends Error {
    readonly reason: Reason;
    constructor(reason: Reason, message: string, options?: {
        cause?: unknown;
    });
}
/** A connect the gateway refuses; becomes the handshake's HTTP status. */
export declare class ConnectRefusedError extends Error {
    readonly statusCode: 401 | 403;
    constructor(statusCode: 401 | 403, message: string, options?: {
        cause?: unknown;
    });
}
