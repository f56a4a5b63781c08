import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
/**
 * DynamoDB actions the SDK uses: Query (subscribers, presence, a user's connections, a
 * connection's items) and BatchWriteItem (removing gone connections and their lookup items).
 */
export declare const PUBLISHER_TABLE_ACTIONS: readonly ["dynamodb:BatchWriteItem", "dynamodb:Query"];
/** Management API methods the SDK uses: POST to deliver, DELETE for disconnect/disconnectUser. */
export declare const PUBLISHER_CONNECTION_METHODS: readonly ["POST", "DELETE"];
export interface PublishAccessProps {
    readonly table: dynamodb.ITable;
    readonly fanoutWorker: lambda.IFunction;
    /** The `TOPICAST_CONFIG` JSON the WebSocket functions run with (sharding, presence, fan-out tuning). */
    readonly config: string;
    /** `arn:...:execute-api:region:account:api/stage/METHOD/@connections/*` for a method. */
    readonly connectionsArn: (method: string) => string;
}
/** The environment the SDK reads (PUBLISH_ENV). */
export declare function publishEnvironment(props: PublishAccessProps): Record<string, string>;
/** What the SDK needs: the table (two actions), POST and DELETE on this stage's connections, and the fan-out worker. */
export declare function grantPublishAccess(grantee: iam.IGrantable, props: PublishAccessProps): iam.Grant;
/** A Function URL with AWS_IAM auth: callers sign with SigV4 and need lambda:InvokeFunctionUrl. */
export declare function addPublishUrl(fn: lambda.Function): lambda.FunctionUrl;
/** `https://<id>.lambda-url.<region>.on.aws` without the trailing slash, so `${url}/publish` reads right. */
export declare function publishUrlOf(functionUrl: lambda.FunctionUrl): string;
/**
 * The grantee's policy names `@connections/*` on this stage, which cdk-nag reports as a
 * wildcard; connection ids exist only at runtime, so it is the narrowest resource there is.
 */
export declare function acknowledgeConnectionsWildcard(grantee: iam.IGrantable, findingIds: readonly string[]): void;
