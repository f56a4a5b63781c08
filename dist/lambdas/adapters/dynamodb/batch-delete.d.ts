import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export declare function batchDelete(client: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[]): Promise<void>;
