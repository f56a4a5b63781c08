/**
 * What the server-side operations (the SDK, the HTTP publish route, the CLI) need beyond
 * the ports of the WebSocket routes: closing a connection and finding a user's connections.
 */

export type CloseOutcome = 'closed' | 'gone';

/** Closes sockets through the Management API (`DELETE @connections/{id}`). */
export interface ConnectionCloser {
  /** `gone` means the connection no longer existed (HTTP 410). */
  close(endpoint: string, connectionId: string): Promise<CloseOutcome>;
}

/** A connection of an authenticated user, as the user -> connections lookup records it. */
export interface UserConnection {
  readonly connectionId: string;
  readonly endpoint: string;
}

/**
 * The user -> connections lookup. Written with the connection at `$connect` and removed
 * with it on every removal path (disconnect, 410 reaping, TTL), with the connection's TTL.
 */
export interface UserConnectionIndex {
  list(sub: string): Promise<readonly UserConnection[]>;
  /** Removes entries whose connections turned out to be gone. */
  remove(sub: string, connectionIds: readonly string[]): Promise<void>;
}
