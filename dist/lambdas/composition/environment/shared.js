/**
 * Lambda composition: turns environment variables into adapters. Split per concern so
 * each function's bundle imports only the SDK clients it uses.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRealtimeStore } from '../../adapters/dynamodb/realtime-store.js';
import { DEFAULT_TABLE_NAME } from '../../adapters/dynamodb/table-schema.js';
export { configFromEnvironment, endpointFromEnvironment, IN_LAMBDA } from './settings.js';
export function documentClient(env = process.env) {
    // DYNAMODB_ENDPOINT points the same code at LocalStack, DynamoDB Local or dynalite.
    const client = new DynamoDBClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {});
    return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
export function storeFromEnvironment(env = process.env) {
    return new DynamoRealtimeStore(documentClient(env), env.TABLE_NAME ?? DEFAULT_TABLE_NAME);
}
