/**
 * `RealtimeApi`: Phoenix Channels over an API Gateway WebSocket API.
 *
 * One Lambda per route plus a fan-out worker, one DynamoDB table (shared definition with
 * the local gateway), a token-signing secret, and least-privilege roles written by hand.
 * Pure defaults and validation live in `realtime-api-defaults.ts`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AuthMode, FanoutSettings, Limits, TopicRule, TopicSharding } from '../lambdas/core/config.js';
import { type FunctionName, type RouteKey } from './realtime-api-defaults.js';
export { ROUTE_KEYS, MESSAGE_ROUTE_KEYS, type RouteKey } from './realtime-api-defaults.js';
export interface RealtimeApiProps {
    /**
     * Name of the WebSocket API.
     * @default - the construct's id
     */
    readonly apiName?: string;
    /**
     * Stage name; part of the URL (`wss://.../{stageName}`) and of the management endpoint.
     * @default 'prod'
     */
    readonly stageName?: string;
    /**
     * Default route throttling of the stage (requests per second and burst), per account and region.
     * @default { burstLimit: 500, rateLimit: 1000 }
     */
    readonly throttle?: apigwv2.ThrottleSettings;
    /**
     * Memory, in MB, of the functions that fan out (join, leave, push, $default,
     * $disconnect, the fan-out worker); CPU scales with it. `$connect` and `ping`, which
     * never fan out, get 256 MB.
     * @default 1024
     */
    readonly memorySize?: number;
    /**
     * Timeout of the route functions. At most 29 s: API Gateway drops the integration after that.
     * @default Duration.seconds(10)
     */
    readonly routeTimeout?: Duration;
    /**
     * Timeout of the fan-out worker.
     * @default Duration.seconds(60)
     */
    readonly fanoutWorkerTimeout?: Duration;
    /**
     * Retention of the function log groups and the stage access log group.
     * @default logs.RetentionDays.ONE_WEEK
     */
    readonly logRetention?: logs.RetentionDays;
    /**
     * What happens to the table, the created token secret and the log groups when they
     * leave the stack. Use DESTROY for throwaway environments.
     * @default RemovalPolicy.RETAIN
     */
    readonly removalPolicy?: RemovalPolicy;
    /**
     * DynamoDB deletion protection on the table.
     * @default false
     */
    readonly deletionProtection?: boolean;
    /**
     * Create the account-level role that lets API Gateway write to CloudWatch Logs
     * (`AWS::ApiGateway::Account`). WebSocket access logging fails to deploy without it.
     * Set to false when the account already has one (it is one setting per account and region).
     * @default true
     */
    readonly createAccountCloudWatchRole?: boolean;
    /**
     * Who may connect: `required` rejects connections without a valid token, `optional`
     * verifies a token when given, `none` ignores tokens.
     * @default 'required'
     */
    readonly auth?: AuthMode;
    /**
     * The HS256 signing secret for tokens (a Secrets Manager secret whose value is the raw
     * secret string). Only `$connect` can read it.
     * @default - a new secret with a generated 64-character value
     */
    readonly tokenSecret?: secretsmanager.ISecret;
    /**
     * JWKS URL for RS256/ES256 tokens (e.g. Cognito's
     * `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`).
     * @default - only HS256 tokens signed with `tokenSecret` are accepted
     */
    readonly jwksUrl?: string;
    /**
     * Required `iss` claim of tokens (e.g. the Cognito user pool URL).
     * @default - the issuer is not checked
     */
    readonly tokenIssuer?: string;
    /**
     * Required `aud` claim of tokens (e.g. the Cognito app client id).
     * @default - the audience is not checked
     */
    readonly tokenAudience?: string;
    /**
     * Allowed `Origin` header values on connect.
     * @default [] - any origin
     */
    readonly allowedOrigins?: readonly string[];
    /**
     * Protocol limits (payload size, topics per connection, push rate).
     * @default - the runtime's defaults (see lambdas/core/config.ts)
     */
    readonly limits?: Partial<Limits>;
    /**
     * Topic patterns (`*` matches any run of characters) on which presence is not tracked.
     * @default [] - presence on every topic
     */
    readonly presenceDisabled?: readonly string[];
    /**
     * Claim requirements per topic pattern.
     * @default [] - any authenticated or anonymous (per `auth`) connection may join any
     *   topic, except `user:<sub>` topics, which only that `sub` may join
     */
    readonly topicRules?: readonly TopicRule[];
    /**
     * Topics whose subscribers are spread over several partition keys (for very large topics).
     * @default [] - one partition per topic
     */
    readonly sharding?: readonly TopicSharding[];
    /**
     * Fan-out tuning (posts in flight, worker threshold and batch size, retries).
     * @default - the runtime's defaults (see lambdas/core/config.ts)
     */
    readonly fanout?: Partial<FanoutSettings>;
    /**
     * Seconds a connection's items live before TTL deletes them.
     * @default - the runtime's default (7500 s: API Gateway's 2 h cap plus a margin)
     */
    readonly connectionTtlSeconds?: number;
}
export type RealtimeFunctionName = FunctionName;
export declare class RealtimeApi extends Construct {
    /** The WebSocket API (route selection on `$request.body.action`). */
    readonly webSocketApi: apigwv2.WebSocketApi;
    /** The auto-deployed stage. */
    readonly stage: apigwv2.WebSocketStage;
    /** The single table of connections and subscriptions. */
    readonly table: dynamodb.Table;
    /** The function behind each route, keyed by API Gateway route key. */
    readonly functions: Readonly<Record<RouteKey, nodejs.NodejsFunction>>;
    /** Invoked asynchronously by the route functions to spread large fan-outs. */
    readonly fanoutWorker: nodejs.NodejsFunction;
    /** The HS256 token signing secret (created unless given). */
    readonly tokenSecret: secretsmanager.ISecret;
    /** `wss://{apiId}.execute-api.{region}.{urlSuffix}/{stage}` */
    readonly webSocketUrl: string;
    /** `https://{apiId}.execute-api.{region}.{urlSuffix}/{stage}`, the Management API endpoint. */
    readonly managementEndpoint: string;
    /** The stage's access log group. */
    readonly accessLogGroup: logs.LogGroup;
    /** The HTTP publish API (`POST /publish`, `/presence`, `/occupancy`, `/disconnect`) behind an AWS_IAM Function URL. */
    readonly publishFunction: nodejs.NodejsFunction;
    /** `https://{id}.lambda-url.{region}.on.aws`, without a trailing slash: POST `${publishUrl}/publish`, signed with SigV4. */
    readonly publishUrl: string;
    /**
     * The settings the `topicast/server` SDK reads (TOPICAST_TABLE_NAME, TOPICAST_CONFIG,
     * TOPICAST_FANOUT_FUNCTION). `bindPublisher(fn)` adds them to a function; or pass them yourself.
     */
    readonly publishEnvironment: Readonly<Record<string, string>>;
    private readonly publishAccess;
    private readonly connectionsWildcardFindings;
    constructor(scope: Construct, id: string, props?: RealtimeApiProps);
    /**
     * Lets `grantee` (your own Lambda, a role) use the `topicast/server` SDK: Query and
     * BatchWriteItem on the table, ManageConnections POST and DELETE on this stage's
     * connections, and invoking the fan-out worker for big topics. Hand it the settings too:
     * `publishEnvironment`, or use `bindPublisher(fn)` for both.
     */
    grantPublish(grantee: iam.IGrantable): iam.Grant;
    /** `grantPublish(fn)` plus `publishEnvironment` added to the function's environment. */
    bindPublisher(fn: lambda.Function): iam.Grant;
    /** Lets `grantee` call the HTTP publish API (`lambda:InvokeFunctionUrl`, signed requests to `publishUrl`). */
    grantPublishUrl(grantee: iam.IGrantable): iam.Grant;
    private createFunction;
    private grant;
    private addAccountCloudWatchRole;
    /** Findings inherent to the design, acknowledged here so that every user of the construct gets them. */
    private acknowledgeInherentFindings;
}
