export const TABLE_SCHEMA = {
    partitionKey: 'pk',
    sortKey: 'sk',
    /** Epoch seconds; every item carries it so nothing outlives API Gateway's 2 h connection cap. */
    timeToLiveAttribute: 'expiresAt',
    billingMode: 'PAY_PER_REQUEST',
};
export const DEFAULT_TABLE_NAME = 'topicast';
export const keys = {
    connection: (connectionId) => ({ pk: `c#${connectionId}`, sk: 'c' }),
    connectionTopic: (connectionId, topic) => ({ pk: `c#${connectionId}`, sk: `s#${topic}` }),
    rateWindow: (connectionId, windowStart) => ({ pk: `c#${connectionId}`, sk: `r#${windowStart}` }),
    topicSubscriber: (topic, shard, connectionId) => ({ pk: topicPartition(topic, shard), sk: connectionId }),
    userConnection: (sub, connectionId) => ({ pk: userPartition(sub), sk: `c#${connectionId}` }),
    connectionPartition: (connectionId) => `c#${connectionId}`,
    userPartition,
    topicPartition,
};
export const SORT_KEY_PREFIX = { connection: 'c', topic: 's#', rateWindow: 'r#' };
function userPartition(sub) {
    return `u#${sub}`;
}
function topicPartition(topic, shard) {
    return `t#${topic}#${shard}`;
}
export function createTableInput(tableName) {
    return {
        TableName: tableName,
        AttributeDefinitions: [
            { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
            { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
            { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: TABLE_SCHEMA.billingMode,
    };
}
