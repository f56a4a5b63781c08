/** The sockets this gateway owns, by API Gateway connection id. */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

export interface PooledConnection {
  readonly connectionId: string;
  readonly socket: WebSocket;
  readonly connectedAt: number;
  /** Last message in either direction; API Gateway's idle timeout runs from it. */
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/**
 * API Gateway's connection, request and message ids (`Ti835f_GEowCETQ=`) are 11 bytes in
 * URL-safe base64 with its padding: 15 characters from A-Z a-z 0-9 - _ and a final `=`.
 */
export function apiGatewayId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

export const newConnectionId = apiGatewayId;

export class ConnectionPool {
  private readonly connections = new Map<string, PooledConnection>();
  private readonly listeners = new Set<(size: number) => void>();

  /**
   * Tells `listener` the size after every add and remove (the dashboard's chart), from now on;
   * returns the unsubscribe. The template runtime makes its pools before the pages watch them.
   */
  public onSizeChange(listener: (size: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  public add(connection: PooledConnection): void {
    this.connections.set(connection.connectionId, connection);
    this.changed();
  }

  public get(connectionId: string): PooledConnection | undefined {
    return this.connections.get(connectionId);
  }

  public remove(connectionId: string): void {
    if (this.connections.delete(connectionId)) this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.connections.size);
  }

  public get size(): number {
    return this.connections.size;
  }

  public all(): IterableIterator<PooledConnection> {
    return this.connections.values();
  }
}
