/**
 * The one definition of the topicast table, read by the CDK construct and by the local
 * gateway (which creates the table from it), so the two cannot drift.
 *
 * Single-table layout, no secondary index: every access pattern is a key lookup or a
 * Query on a partition key.
 *   pk = c#<connectionId>  sk = c            the connection (endpoint, identity, format)
 *   pk = c#<connectionId>  sk = s#<topic>    a topic it joined (for disconnect and counting)
 *   pk = c#<connectionId>  sk = r#<window>   its push counter for one rate-limit window
 *   pk = t#<topic>#<shard> sk = <connId>     a subscriber of the topic (for fan-out)
 *   pk = u#<sub>           sk = c#<connId>   a connection of an authenticated user (disconnectUser)
 * Both sides of a subscription are written (connection side first), because dynalite has
 * no transactions and a GSI would be eventually consistent for `$disconnect`.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
export declare const TABLE_SCHEMA: {
    readonly partitionKey: "pk";
    readonly sortKey: "sk";
    /** Epoch seconds; every item carries it so nothing outlives API Gateway's 2 h connection cap. */
    readonly timeToLiveAttribute: "expiresAt";
    readonly billingMode: "PAY_PER_REQUEST";
};
export declare const DEFAULT_TABLE_NAME = "topicast";
export declare const keys: {
    readonly connection: (connectionId: string) => {
        pk: string;
        sk: string;
    };
    readonly connectionTopic: (connectionId: string, topic: string) => {
        pk: string;
        sk: string;
    };
    readonly rateWindow: (connectionId: string, windowStart: number) => {
        pk: string;
        sk: string;
    };
    readonly topicSubscriber: (topic: string, shard: number, connectionId: string) => {
        pk: string;
        sk: string;
    };
    readonly userConnection: (sub: string, connectionId: string) => {
        pk: string;
        sk: string;
    };
    readonly connectionPartition: (connectionId: string) => string;
    readonly userPartition: typeof userPartition;
    readonly topicPartition: typeof topicPartition;
};
export declare const SORT_KEY_PREFIX: {
    readonly connection: "c";
    readonly topic: "s#";
    readonly rateWindow: "r#";
};
declare function userPartition(sub: string): string;
declare function topicPartition(topic: string, shard: number): string;
export declare function createTableInput(tableName: string): CreateTableCommandInput;
export {};
