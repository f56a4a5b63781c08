/**
 * Pure defaults and prop validation for the `RealtimeApi` construct, kept apart from the
 * builder so that they can be read (and tested) without synthesizing anything.
 *
 * Nothing here creates a construct; the only CDK imports are enums and value types.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { resolveConfig } from '../lambdas/core/config.js';
/** The API Gateway route keys of the WebSocket API, in creation order. */
export const ROUTE_KEYS = ['$connect', '$disconnect', 'join', 'leave', 'push', 'ping', '$default'];
/** Routes whose Lambda result is sent back to the client (two-way routes). */
export const MESSAGE_ROUTE_KEYS = ['join', 'leave', 'push', 'ping', '$default'];
/** The route selection expression: native frames carry `action`; anything else hits `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';
/** The handler file (under `lambdas/handlers/`) behind each function. */
export const HANDLER_FILES = {
    $connect: 'connect.ts',
    $disconnect: 'disconnect.ts',
    join: 'join.ts',
    leave: 'leave.ts',
    push: 'push.ts',
    ping: 'ping.ts',
    $default: 'default.ts',
    'fanout-worker': 'fanout-worker.ts',
    publish: 'publish.ts',
};
/** Construct-id friendly names for the functions (route keys contain `$`). */
export const FUNCTION_IDS = {
    $connect: 'Connect',
    $disconnect: 'Disconnect',
    join: 'Join',
    leave: 'Leave',
    push: 'Push',
    ping: 'Ping',
    $default: 'Default',
    'fanout-worker': 'FanoutWorker',
    publish: 'Publish',
};
// This module runs as TypeScript in a checkout (tsx, vitest) and as the compiled dist/lib/*.js
// of the installed package, where the handlers are compiled beside it: take their extension from ours.
const COMPILED = !import.meta.url.endsWith('.ts');
/** Absolute path of a handler entry file, resolved from this module. */
export function handlerEntry(name) {
    const file = COMPILED ? HANDLER_FILES[name].replace(/\.ts$/, '.js') : HANDLER_FILES[name];
    return fileURLToPath(new URL(`../lambdas/handlers/${file}`, import.meta.url));
}
/** The topicast package's root: the checkout, or node_modules/topicast (this module is in dist/lib there). */
const PACKAGE_ROOT = fileURLToPath(new URL(COMPILED ? '../..' : '..', import.meta.url));
/**
 * What NodejsFunction takes as the project root marker. A checkout has its lock file; an
 * installed package has none (npm never packs one), so its package.json marks the root:
 * NodejsFunction only uses the file to find the root (and npm is the default package manager).
 */
export const DEPS_LOCK_FILE_PATH = [join(PACKAGE_ROOT, 'package-lock.json'), join(PACKAGE_ROOT, 'package.json')].find((file) => existsSync(file));
/** Environment variable names the runtime reads (see lambdas/ composition root). */
export const ENV = {
    tableName: 'TABLE_NAME',
    config: 'TOPICAST_CONFIG',
    tokenSecretArn: 'TOPICAST_TOKEN_SECRET_ARN',
    jwksUrl: 'TOPICAST_JWKS_URL',
    tokenIssuer: 'TOPICAST_TOKEN_ISSUER',
    tokenAudience: 'TOPICAST_TOKEN_AUDIENCE',
    fanoutFunction: 'TOPICAST_FANOUT_FUNCTION',
};
/** Lambda runtime of every function: the newest Node.js LTS that aws-cdk-lib knows. */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild target matching {@link RUNTIME}. */
export const ESBUILD_TARGET = 'node24';
/** Lambda CPU architecture (Graviton: cheaper per GB-second, no native modules involved). */
export const ARCHITECTURE = lambda.Architecture.ARM_64;
/**
 * Bundled ESM needs `require` for the CommonJS parts of the AWS SDK (and its dependencies),
 * which esbuild leaves as dynamic `require` calls.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
export const DEFAULTS = {
    stageName: 'prod',
    /**
     * Functions that fan out (every one allowed to post to connections). Lambda's CPU grows
     * with memory: at 1024 MB an inline 1000-subscriber fan-out takes about a quarter of the
     * CPU time it takes at 256 MB, for about the same GB-seconds (docs/performance.md).
     */
    memorySize: 1024,
    /** `$connect` and `ping` never fan out: one PutItem and a JWT check, or nothing at all. */
    lightMemorySize: 256,
    /**
     * Message routes answer the client synchronously, and API Gateway gives up on a
     * WebSocket integration after 29 s. 10 s covers an inline fan-out up to
     * `fanout.workerThreshold` subscribers (1000 at 64 posts in flight) with retries;
     * larger fan-outs are handed to the worker.
     */
    routeTimeout: Duration.seconds(10),
    /** The worker posts up to `fanout.workerBatchSize` messages with retries on 429. */
    fanoutWorkerTimeout: Duration.seconds(60),
    logRetention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: false,
    auth: 'required',
    throttle: { burstLimit: 500, rateLimit: 1000 },
    createAccountCloudWatchRole: true,
};
/** API Gateway's hard limit on a WebSocket integration (the client's reply would be lost after it). */
export const MAX_ROUTE_TIMEOUT = Duration.seconds(29);
const CONFIG_KEYS = [
    'auth',
    'allowedOrigins',
    'limits',
    'presenceDisabled',
    'topicRules',
    'sharding',
    'fanout',
    'connectionTtlSeconds',
];
/**
 * The `TOPICAST_CONFIG` object: only the keys that are set, with `auth` defaulting to
 * `'required'` (a deployed API never accepts anonymous connections unless told to).
 */
export function buildRuntimeConfig(props) {
    const out = {};
    for (const key of CONFIG_KEYS) {
        const value = props[key];
        if (value !== undefined)
            out[key] = value;
    }
    out.auth = props.auth ?? DEFAULTS.auth;
    return out;
}
/** Validation problems for the props, as human-readable messages (empty when valid). */
export function validateProps(props) {
    const errors = [];
    const { stageName, memorySize, routeTimeout, fanoutWorkerTimeout, jwksUrl, throttle } = props;
    if (stageName !== undefined && !Token.isUnresolved(stageName) && !/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
        errors.push(`stageName must be 1-128 letters, digits, '-' or '_', got '${stageName}'`);
    }
    if (memorySize !== undefined && !Token.isUnresolved(memorySize)) {
        if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
            errors.push(`memorySize must be an integer from 128 to 10240 MB, got ${memorySize}`);
        }
    }
    if (routeTimeout !== undefined && !routeTimeout.isUnresolved()) {
        const s = routeTimeout.toSeconds();
        if (s < 1 || s > MAX_ROUTE_TIMEOUT.toSeconds()) {
            errors.push(`routeTimeout must be from 1 to 29 seconds (API Gateway's integration limit), got ${s}`);
        }
    }
    if (fanoutWorkerTimeout !== undefined && !fanoutWorkerTimeout.isUnresolved()) {
        const s = fanoutWorkerTimeout.toSeconds();
        if (s < 1 || s > 900)
            errors.push(`fanoutWorkerTimeout must be from 1 to 900 seconds, got ${s}`);
    }
    if (jwksUrl !== undefined && !Token.isUnresolved(jwksUrl)) {
        let url;
        try {
            url = new URL(jwksUrl);
        }
        catch {
            url = undefined;
        }
        if (!url || url.protocol !== 'https:')
            errors.push(`jwksUrl must be an https:// URL, got '${jwksUrl}'`);
    }
    for (const [name, value] of Object.entries(throttle ?? {})) {
        if (value === undefined || Token.isUnresolved(value))
            continue;
        if (!Number.isFinite(value) || value < 0)
            errors.push(`throttle.${name} must be a non-negative number, got ${value}`);
    }
    for (const origin of props.allowedOrigins ?? []) {
        if (typeof origin !== 'string' || origin.length === 0 || /\s/.test(origin)) {
            errors.push(`allowedOrigins entries must be non-empty strings without spaces, got '${String(origin)}'`);
        }
    }
    for (const [name, patterns] of [['presenceDisabled', props.presenceDisabled]]) {
        for (const pattern of patterns ?? []) {
            if (typeof pattern !== 'string' || pattern.length === 0)
                errors.push(`${name} entries must be non-empty topic patterns`);
        }
    }
    // The runtime's own validation (auth mode, positive integer limits, shard counts), so the
    // stack refuses at synth what the Lambdas would refuse at their first cold start.
    try {
        resolveConfig(buildRuntimeConfig(props));
    }
    catch (error) {
        errors.push(error.message);
    }
    return errors;
}
const JOIN_TABLE = ['Query', 'GetItem', 'PutItem', 'DeleteItem', 'BatchWriteItem'];
const LEAVE_TABLE = ['DeleteItem', 'Query', 'BatchWriteItem', 'GetItem'];
const PUSH_TABLE = ['GetItem', 'UpdateItem', 'Query', 'BatchWriteItem', 'DeleteItem'];
const union = (...lists) => [...new Set(lists.flat())].sort();
/** The least-privilege matrix (docs/infrastructure.md renders the same table). */
export const PERMISSIONS = {
    $connect: { table: ['PutItem'], manageConnections: false, invokeFanoutWorker: false, readTokenSecret: true },
    $disconnect: {
        table: ['Query', 'BatchWriteItem', 'DeleteItem'],
        manageConnections: true,
        invokeFanoutWorker: true,
        readTokenSecret: false,
    },
    join: { table: JOIN_TABLE, manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
    leave: { table: LEAVE_TABLE, manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
    push: { table: PUSH_TABLE, manageConnections: true, invokeFanoutWorker: true, readTokenSecret: false },
    ping: { table: [], manageConnections: false, invokeFanoutWorker: false, readTokenSecret: false },
    // `$default` decodes Phoenix V2 array frames, which may be a join, a leave or a push.
    $default: {
        table: union(JOIN_TABLE, LEAVE_TABLE, PUSH_TABLE),
        manageConnections: true,
        invokeFanoutWorker: true,
        readTokenSecret: false,
    },
    // The worker posts to connections and reaps the ones that answer 410 Gone.
    'fanout-worker': {
        table: ['Query', 'BatchWriteItem', 'DeleteItem'],
        manageConnections: true,
        invokeFanoutWorker: false,
        readTokenSecret: false,
    },
};
/** Management API methods the functions use: post a frame, read a connection, close it. */
export const MANAGE_CONNECTIONS_METHODS = ['POST', 'GET', 'DELETE'];
/**
 * Flattens a resolved CloudFormation value the way cdk-nag names its findings
 * (`{Ref: X}` -> `<X>`, `Fn::GetAtt [X, Y]` -> `<X.Y>`, `Fn::Join` concatenated), so that
 * a construct can acknowledge a granular finding such as
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]` without depending on cdk-nag.
 */
export function flattenCfnReference(value) {
    if (value === undefined)
        return '';
    if (typeof value === 'string')
        return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (value !== null && typeof value === 'object') {
        const node = value;
        if (Array.isArray(node['Fn::Join'])) {
            const [delimiter, items] = node['Fn::Join'];
            return items.map(flattenCfnReference).join(delimiter);
        }
        if (node['Fn::Sub'] !== undefined)
            return flattenCfnReference(node['Fn::Sub']);
        if (Array.isArray(node['Fn::GetAtt'])) {
            const [resource, attribute] = node['Fn::GetAtt'];
            return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
        }
        if (node['Fn::ImportValue'] !== undefined)
            return flattenCfnReference(node['Fn::ImportValue']);
        if (node.Ref !== undefined)
            return `<${flattenCfnReference(node.Ref)}>`;
    }
    return JSON.stringify(value);
}
