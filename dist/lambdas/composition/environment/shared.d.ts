import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRealtimeStore } from '../../adapters/dynamodb/realtime-store.js';
import type { Environment } from './settings.js';
export { configFromEnvironment, endpointFromEnvironment, IN_LAMBDA, type Environment } from './settings.js';
export declare function documentClient(env?: Environment): DynamoDBDocumentClient;
export declare function storeFromEnvironment(env?: Environment): DynamoRealtimeStore;
