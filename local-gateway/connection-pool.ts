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

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** API Gateway ids look like `L0SM9cOFvHcCIhw=`: 15 base64 letters and a pad. */
export function newConnectionId(): string {
  const bytes = randomBytes(15);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${id}=`;
}

export class ConnectionPool {
  private readonly connections = new Map<string, PooledConnection>();

  public add(connection: PooledConnection): void {
    this.connections.set(connection.connectionId, connection);
  }

  public get(connectionId: string): PooledConnection | undefined {
    return this.connections.get(connectionId);
  }

  public remove(connectionId: string): void {
    this.connections.delete(connectionId);
  }

  public get size(): number {
    return this.connections.size;
  }

  public all(): IterableIterator<PooledConnection> {
    return this.connections.values();
  }
}
