import type { Reason } from './protocol/constants.js';

/**
 * A request the protocol refuses. Carries the stable reason code sent to the client;
 * `message` is for humans and may change.
 */
export class ProtocolError extends Error {
  public readonly reason: Reason;

  public constructor(reason: Reason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.reason = reason;
  }
}

/** A connect the gateway refuses; becomes the handshake's HTTP status. */
export class ConnectRefusedError extends Error {
  public readonly statusCode: 401 | 403;

  public constructor(statusCode: 401 | 403, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectRefusedError';
    this.statusCode = statusCode;
  }
}
