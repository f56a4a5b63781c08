/**
 * The user -> connections lookup: one item `u#<sub>` / `c#<connectionId>` per connection
 * of an authenticated user, holding the endpoint that owns the socket and the connection's
 * TTL. A Query on `u#<sub>` lists them; no secondary index (a GSI would be eventually
 * consistent and dynalite-incompatible in the same way the rest of the table avoids).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from './batch-delete.js';
import { keys } from './table-schema.js';
/** The lookup item written beside a connection, or null for an anonymous one. */
export function userConnectionItem(connection) {
    if (!connection.identity)
        return null;
    return {
        ...keys.userConnection(connection.identity.sub, connection.connectionId),
        endpoint: connection.endpoint,
        expiresAt: connection.expiresAt,
    };
}
/** The lookup item's key for a stored connection item's `identity` attribute (JSON text or a map). */
export function userConnectionKeyOf(storedIdentity, connectionId) {
    if (storedIdentity === undefined || storedIdentity === null)
        return null;
    let identity;
    try {
        identity = (typeof storedIdentity === 'string' ? JSON.parse(storedIdentity) : storedIdentity);
    }
    catch {
        return null;
    }
    return typeof identity?.sub === 'string' ? keys.userConnection(identity.sub, connectionId) : null;
}
export class DynamoUserConnections {
    client;
    tableName;
    constructor(client, tableName) {
        this.client = client;
        this.tableName = tableName;
    }
    async list(sub) {
        const found = [];
        let startKey;
        do {
            const page = await this.client.send(new QueryCommand({
                TableName: this.tableName,
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': keys.userPartition(sub) },
                ProjectionExpression: 'sk, #endpoint',
                ExpressionAttributeNames: { '#endpoint': 'endpoint' },
                // disconnectUser right after a connect must see that connection.
                ConsistentRead: true,
                ExclusiveStartKey: startKey,
            }));
            for (const item of page.Items ?? [])
                found.push({ connectionId: String(item.sk).slice(2), endpoint: String(item.endpoint ?? '') });
            startKey = page.LastEvaluatedKey;
        } while (startKey);
        return found;
    }
    async remove(sub, connectionIds) {
        await batchDelete(this.client, this.tableName, connectionIds.map((id) => keys.userConnection(sub, id)));
    }
}
