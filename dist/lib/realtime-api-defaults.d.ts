import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type AuthMode, type TopicastConfigInput } from '../lambdas/core/config.js';
/** The API Gateway route keys of the WebSocket API, in creation order. */
export declare const ROUTE_KEYS: readonly ["$connect", "$disconnect", "join", "leave", "push", "ping", "$default"];
export type RouteKey = (typeof ROUTE_KEYS)[number];
/** Routes whose Lambda result is sent back to the client (two-way routes). */
export declare const MESSAGE_ROUTE_KEYS: readonly RouteKey[];
/** The route selection expression: native frames carry `action`; anything else hits `$default`. */
export declare const ROUTE_SELECTION_EXPRESSION = "$request.body.action";
/** Every function of the construct: one per route, the fan-out worker and the HTTP publish function. */
export type FunctionName = RouteKey | 'fanout-worker' | 'publish';
/** The handler file (under `lambdas/handlers/`) behind each function. */
export declare const HANDLER_FILES: Readonly<Record<FunctionName, string>>;
/** Construct-id friendly names for the functions (route keys contain `$`). */
export declare const FUNCTION_IDS: Readonly<Record<FunctionName, string>>;
/** Absolute path of a handler entry file, resolved from this module. */
export declare function handlerEntry(name: FunctionName): string;
/**
 * What NodejsFunction takes as the project root marker. A checkout has its lock file; an
 * installed package has none (npm never packs one), so its package.json marks the root:
 * NodejsFunction only uses the file to find the root (and npm is the default package manager).
 */
export declare const DEPS_LOCK_FILE_PATH: string;
/** Environment variable names the runtime reads (see lambdas/ composition root). */
export declare const ENV: {
    readonly tableName: "TABLE_NAME";
    readonly config: "TOPICAST_CONFIG";
    readonly tokenSecretArn: "TOPICAST_TOKEN_SECRET_ARN";
    readonly jwksUrl: "TOPICAST_JWKS_URL";
    readonly tokenIssuer: "TOPICAST_TOKEN_ISSUER";
    readonly tokenAudience: "TOPICAST_TOKEN_AUDIENCE";
    readonly fanoutFunction: "TOPICAST_FANOUT_FUNCTION";
};
/** Lambda runtime of every function: the newest Node.js LTS that aws-cdk-lib knows. */
export declare const RUNTIME: lambda.Runtime;
/** esbuild target matching {@link RUNTIME}. */
export declare const ESBUILD_TARGET = "node24";
/** Lambda CPU architecture (Graviton: cheaper per GB-second, no native modules involved). */
export declare const ARCHITECTURE: lambda.Architecture;
/**
 * Bundled ESM needs `require` for the CommonJS parts of the AWS SDK (and its dependencies),
 * which esbuild leaves as dynamic `require` calls.
 */
export declare const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
export declare const DEFAULTS: {
    readonly stageName: "prod";
    /**
     * Functions that fan out (every one allowed to post to connections). Lambda's CPU grows
     * with memory: at 1024 MB an inline 1000-subscriber fan-out takes about a quarter of the
     * CPU time it takes at 256 MB, for about the same GB-seconds (docs/performance.md).
     */
    readonly memorySize: 1024;
    /** `$connect` and `ping` never fan out: one PutItem and a JWT check, or nothing at all. */
    readonly lightMemorySize: 256;
    /**
     * Message routes answer the client synchronously, and API Gateway gives up on a
     * WebSocket integration after 29 s. 10 s covers an inline fan-out up to
     * `fanout.workerThreshold` subscribers (1000 at 64 posts in flight) with retries;
     * larger fan-outs are handed to the worker.
     */
    readonly routeTimeout: Duration;
    /** The worker posts up to `fanout.workerBatchSize` messages with retries on 429. */
    readonly fanoutWorkerTimeout: Duration;
    readonly logRetention: logs.RetentionDays.ONE_WEEK;
    readonly removalPolicy: RemovalPolicy.RETAIN;
    readonly deletionProtection: false;
    readonly auth: AuthMode;
    readonly throttle: {
        readonly burstLimit: 500;
        readonly rateLimit: 1000;
    };
    readonly createAccountCloudWatchRole: true;
};
/** API Gateway's hard limit on a WebSocket integration (the client's reply would be lost after it). */
export declare const MAX_ROUTE_TIMEOUT: Duration;
/** The subset of construct props that becomes the runtime's `TOPICAST_CONFIG`. */
export type ConfigProps = TopicastConfigInput;
/**
 * The `TOPICAST_CONFIG` object: only the keys that are set, with `auth` defaulting to
 * `'required'` (a deployed API never accepts anonymous connections unless told to).
 */
export declare function buildRuntimeConfig(props: ConfigProps): TopicastConfigInput;
/** Validation problems for the props, as human-readable messages (empty when valid). */
export declare function validateProps(props: {
    readonly stageName?: string;
    readonly memorySize?: number;
    readonly routeTimeout?: Duration;
    readonly fanoutWorkerTimeout?: Duration;
    readonly jwksUrl?: string;
    readonly throttle?: {
        readonly burstLimit?: number;
        readonly rateLimit?: number;
    };
} & ConfigProps): string[];
/** What one function may do. Table actions are granted on the table ARN only (no index exists). */
export interface FunctionPermissions {
    /** DynamoDB actions on the table (without the `dynamodb:` prefix). */
    readonly table: readonly string[];
    /** `execute-api:ManageConnections` (POST/GET/DELETE `@connections/*`) on this API's stage. */
    readonly manageConnections: boolean;
    /** `lambda:InvokeFunction` on the fan-out worker. */
    readonly invokeFanoutWorker: boolean;
    /** `secretsmanager:GetSecretValue` on the token-signing secret. */
    readonly readTokenSecret: boolean;
}
/** The least-privilege matrix (docs/infrastructure.md renders the same table). */
export declare const PERMISSIONS: Readonly<Record<RouteKey | 'fanout-worker', FunctionPermissions>>;
/** Management API methods the functions use: post a frame, read a connection, close it. */
export declare const MANAGE_CONNECTIONS_METHODS: readonly ["POST", "GET", "DELETE"];
/**
 * Flattens a resolved CloudFormation value the way cdk-nag names its findings
 * (`{Ref: X}` -> `<X>`, `Fn::GetAtt [X, Y]` -> `<X.Y>`, `Fn::Join` concatenated), so that
 * a construct can acknowledge a granular finding such as
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]` without depending on cdk-nag.
 */
export declare function flattenCfnReference(value: unknown): string;
