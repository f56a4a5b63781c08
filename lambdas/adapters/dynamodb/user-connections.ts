/**
 * The user -> connections lookup: one item `u#<sub>` / `c#<connectionId>` per connection
 * of an authenticated user, holding the endpoint that owns the socket and the connection's
 * TTL. A Query on `u#<sub>` lists them; no secondary index (a GSI would be eventually
 * consistent and dynalite-incompatible in the same way the rest of the table avoids).
 */
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identity } from '../../core/identity.js';
import type { ConnectionRecord } from '../../core/ports.js';
import type { UserConnection, UserConnectionIndex } from '../../core/server-ports.js';
import { batchDelete } from './batch-delete.js';
import { queryPages } from './query-pages.js';
import { keys } from './table-schema.js';

type Item = Record<string, unknown>;

/** The lookup item written beside a connection, or null for an anonymous one. */
export function userConnectionItem(connection: ConnectionRecord): Item | null {
  if (!connection.identity) return null;
  return {
    ...keys.userConnection(connection.identity.sub, connection.connectionId),
    endpoint: connection.endpoint,
    expiresAt: connection.expiresAt,
  };
}

/** The lookup item's key for a stored connection item's `identity` attribute (JSON text or a map). */
export function userConnectionKeyOf(storedIdentity: unknown, connectionId: string): Item | null {
  if (storedIdentity === undefined || storedIdentity === null) return null;
  let identity: Partial<Identity> | null;
  try {
    identity = (typeof storedIdentity === 'string' ? JSON.parse(storedIdentity) : storedIdentity) as Partial<Identity> | null;
  } catch {
    return null;
  }
  return typeof identity?.sub === 'string' ? keys.userConnection(identity.sub, connectionId) : null;
}

export class DynamoUserConnections implements UserConnectionIndex {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async list(sub: string): Promise<readonly UserConnection[]> {
    const found: UserConnection[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.userPartition(sub) },
      ProjectionExpression: 'sk, #endpoint',
      ExpressionAttributeNames: { '#endpoint': 'endpoint' },
      // disconnectUser right after a connect must see that connection.
      ConsistentRead: true,
    });
    for await (const items of pages) {
      for (const item of items) found.push({ connectionId: String(item.sk).slice(2), endpoint: String(item.endpoint ?? '') });
    }
    return found;
  }

  public async remove(sub: string, connectionIds: readonly string[]): Promise<void> {
    await batchDelete(this.client, this.tableName, connectionIds.map((id) => keys.userConnection(sub, id)));
  }
}
