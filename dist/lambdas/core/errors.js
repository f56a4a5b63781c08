/**
 * A request the protocol refuses. Carries the stable reason code sent to the client;
 * `message` is for humans and may change.
 */
export class ProtocolError extends Error {
    reason;
    constructor(reason, message, options) {
        super(message, options);
        this.name = 'ProtocolError';
        this.reason = reason;
    }
}
/** A connect the gateway refuses; becomes the handshake's HTTP status. */
export class ConnectRefusedError extends Error {
    statusCode;
    constructor(statusCode, message, options) {
        super(message, options);
        this.name = 'ConnectRefusedError';
        this.statusCode = statusCode;
    }
}
