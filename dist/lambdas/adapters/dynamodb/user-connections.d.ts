/**
 * The user -> connections lookup: one item `u#<sub>` / `c#<connectionId>` per connection
 * of an authenticated user, holding the endpoint that owns the socket and the connection's
 * TTL. A Query on `u#<sub>` lists them; no secondary index (a GSI would be eventually
 * consistent and dynalite-incompatible in the same way the rest of the table avoids).
 */
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord } from '../../core/ports.js';
import type { UserConnection, UserConnectionIndex } from '../../core/server-ports.js';
type Item = Record<string, unknown>;
/** The lookup item written beside a connection, or null for an anonymous one. */
export declare function userConnectionItem(connection: ConnectionRecord): Item | null;
/** The lookup item's key for a stored connection item's `identity` attribute (JSON text or a map). */
export declare function userConnectionKeyOf(storedIdentity: unknown, connectionId: string): Item | null;
export declare class DynamoUserConnections implements UserConnectionIndex {
    private readonly client;
    private readonly tableName;
    constructor(client: DynamoDBDocumentClient, tableName: string);
    list(sub: string): Promise<readonly UserConnection[]>;
    remove(sub: string, connectionIds: readonly string[]): Promise<void>;
}
export {};
