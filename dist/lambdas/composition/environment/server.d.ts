import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SigningCredentials } from '../../adapters/management-api/credentials.js';
import { type TopicastConfigInput } from '../../core/config.js';
import type { Logger } from '../../core/ports.js';
import { ServerOperations } from '../../core/use-cases/server-operations.js';
import type { Environment } from './settings.js';
/** The variables a publisher reads (what `RealtimeApi.publishEnvironment` holds). */
export declare const PUBLISH_ENV: {
    readonly tableName: "TOPICAST_TABLE_NAME";
    readonly config: "TOPICAST_CONFIG";
    readonly fanoutFunction: "TOPICAST_FANOUT_FUNCTION";
};
export interface ServerSettings {
    /** The RealtimeApi's table (`TOPICAST_TABLE_NAME`). */
    readonly tableName: string;
    /** @default AWS_REGION, else the SDK's default chain */
    readonly region?: string | undefined;
    /** The runtime settings of the deployment (`TOPICAST_CONFIG`): sharding, presence, fan-out tuning. */
    readonly config?: TopicastConfigInput | undefined;
    /** The fan-out worker for topics over `fanout.workerThreshold` (`TOPICAST_FANOUT_FUNCTION`); inline delivery without it. */
    readonly fanoutFunction?: string | undefined;
    /** DynamoDB endpoint override (`DYNAMODB_ENDPOINT`: LocalStack, DynamoDB Local). */
    readonly dynamoEndpoint?: string | undefined;
    /** @default the execution role's (Lambda), else the SDK's default chain */
    readonly credentials?: SigningCredentials | undefined;
    /** A DynamoDB document client to use as is (your endpoint, credentials, middleware); overrides `dynamoEndpoint`. */
    readonly documentClient?: DynamoDBDocumentClient | undefined;
    /** Where failed deliveries are reported. @default JSON lines on stdout */
    readonly logger?: Logger | undefined;
}
/** Settings from the environment; throws a message naming what is missing. */
export declare function serverSettingsFromEnvironment(env?: Environment): ServerSettings;
export declare function serverOperations(settings: ServerSettings, env?: Environment): ServerOperations;
