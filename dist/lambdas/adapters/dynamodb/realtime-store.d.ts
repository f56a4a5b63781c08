/**
 * RealtimeStore on DynamoDB (or dynalite, or LocalStack). The document client is injected
 * so tests and the local gateway choose the endpoint. Layout: see table-schema.ts.
 */
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord, ConnectionState, RealtimeStore, SubscriberProjection, SubscriptionRecord } from '../../core/ports.js';
export declare class DynamoRealtimeStore implements RealtimeStore {
    private readonly client;
    private readonly tableName;
    constructor(client: DynamoDBDocumentClient, tableName: string);
    putConnection(connection: ConnectionRecord): Promise<void>;
    getConnectionState(connectionId: string): Promise<ConnectionState>;
    isSubscribed(connectionId: string, topic: string): Promise<boolean>;
    putSubscription(subscription: SubscriptionRecord, shards: number): Promise<SubscriptionRecord | null>;
    deleteSubscription(connectionId: string, topic: string, shards: number): Promise<SubscriptionRecord | null>;
    listSubscribers(topic: string, shards: number, projection: SubscriberProjection): AsyncIterable<readonly SubscriptionRecord[]>;
    removeConnection(connectionId: string, shardsOf: (topic: string) => number): Promise<readonly SubscriptionRecord[]>;
    removeConnections(connectionIds: readonly string[], shardsOf: (topic: string) => number): Promise<readonly SubscriptionRecord[]>;
    /** The keys of a connection's items on both sides, and the subscriptions they hold. */
    private connectionItems;
    countPush(connectionId: string, windowStart: number, expiresAt: number): Promise<number>;
    private queryPartition;
    private queryPages;
}
