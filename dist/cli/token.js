/**
 * `topicast token`: prints an HS256 JWT that topicast's `$connect` accepts, signed with
 * TOPICAST_TOKEN_SECRET / --secret (local gateway) or with a deployed stack's secret
 * (--stack NAME: the `TokenSecretArn` output, read with the caller's AWS credentials).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignJWT } from 'jose';
export const TOKEN_USAGE = `usage: topicast token --sub SUB [options]

Prints a signed HS256 JWT for topicast (use it as ?token=... or as the Phoenix authToken).

  --sub SUB          the user id (the token's "sub"); required
  --ttl DURATION     lifetime: 30s, 15m, 1h, 2d (default 1h)
  --claim KEY=VALUE  an extra claim, e.g. role=admin; repeat a key to make a list
  --issuer ISS       the "iss" claim (when the stack checks tokenIssuer)
  --audience AUD     the "aud" claim (when the stack checks tokenAudience)
  --secret SECRET    the HS256 secret (default: TOPICAST_TOKEN_SECRET)
  --stack NAME       sign with the secret of a deployed topicast stack
                     (its TokenSecretArn output, read with your AWS credentials)
  --region REGION    the stack's region (default: AWS_REGION or your AWS profile's)
`;
/** Registered claims the options set; --claim may not override them. */
const RESERVED_CLAIMS = new Set(['sub', 'iat', 'exp', 'nbf', 'iss', 'aud']);
const TTL_UNITS = { s: 1, m: 60, h: 3600, d: 86_400 };
/** The name of the stack output that holds the token secret's ARN (lib/topicast-stack.ts). */
export const TOKEN_SECRET_OUTPUT = 'TokenSecretArn';
/** A mistake in the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {
    name = 'UsageError';
}
/** Parses `topicast token` arguments; throws UsageError with a message a user can act on. */
export function parseTokenArgs(args, env) {
    let values;
    try {
        values = parseTokenOptions(args);
    }
    catch (error) {
        throw new UsageError(error.message);
    }
    const sub = values.sub;
    if (sub === undefined || sub.trim().length === 0)
        throw new UsageError('--sub is required: the user id the token is for, e.g. --sub alice');
    if (values.stack !== undefined && values.secret !== undefined)
        throw new UsageError('use either --secret or --stack, not both');
    if (values.region !== undefined && values.stack === undefined)
        throw new UsageError('--region only applies with --stack');
    return {
        sub,
        ttlSeconds: parseTtl(values.ttl ?? '1h'),
        claims: parseClaims(values.claim ?? []),
        issuer: nonEmpty(values.issuer, '--issuer'),
        audience: nonEmpty(values.audience, '--audience'),
        source: secretSource(values, env),
    };
}
function parseTokenOptions(args) {
    return parseArgs({
        args: [...args],
        strict: true,
        allowPositionals: false,
        options: {
            sub: { type: 'string' },
            ttl: { type: 'string' },
            claim: { type: 'string', multiple: true },
            issuer: { type: 'string' },
            audience: { type: 'string' },
            secret: { type: 'string' },
            stack: { type: 'string' },
            region: { type: 'string' },
        },
    }).values;
}
function secretSource(values, env) {
    if (values.stack !== undefined) {
        if (values.stack.length === 0)
            throw new UsageError('--stack needs a stack name, e.g. --stack Topicast');
        return { kind: 'stack', stackName: values.stack, region: values.region };
    }
    const secret = values.secret ?? env.TOPICAST_TOKEN_SECRET;
    if (secret === undefined || secret.length === 0) {
        throw new UsageError('no signing secret: set TOPICAST_TOKEN_SECRET, pass --secret, or sign for a deployed stack with --stack NAME');
    }
    return { kind: 'value', secret };
}
/** `30s`, `15m`, `1h`, `2d` to seconds. */
export function parseTtl(text) {
    const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
    const amount = match ? Number(match[1]) : 0;
    if (!match || amount <= 0) {
        throw new UsageError(`--ttl must be a positive whole number followed by s, m, h or d (e.g. 30m, 1h, 2d), got "${text}"`);
    }
    return amount * TTL_UNITS[match[2]];
}
/** `KEY=VALUE` pairs; a key given twice becomes a list (as Cognito's `cognito:groups`). */
export function parseClaims(pairs) {
    const claims = Object.create(null);
    for (const pair of pairs) {
        const at = pair.indexOf('=');
        const key = at > 0 ? pair.slice(0, at).trim() : '';
        if (key.length === 0)
            throw new UsageError(`--claim must look like KEY=VALUE (e.g. role=admin), got "${pair}"`);
        if (RESERVED_CLAIMS.has(key))
            throw new UsageError(`--claim cannot set "${key}"; use --sub, --ttl, --issuer or --audience`);
        if (key === '__proto__' || key === 'constructor' || key === 'prototype')
            throw new UsageError(`--claim cannot set "${key}"`);
        const value = pair.slice(at + 1);
        const existing = claims[key];
        claims[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    return { ...claims };
}
function nonEmpty(value, name) {
    if (value !== undefined && value.length === 0)
        throw new UsageError(`${name} needs a value`);
    return value;
}
/** Signs the token; `nowSeconds` is injectable so tests can pin iat/exp. */
export async function signToken(request, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
    const jwt = new SignJWT({ ...request.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(request.sub)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + request.ttlSeconds);
    if (request.issuer !== undefined)
        jwt.setIssuer(request.issuer);
    if (request.audience !== undefined)
        jwt.setAudience(request.audience);
    return jwt.sign(new TextEncoder().encode(secret));
}
export const sdkClients = {
    cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
    secretsManager: (region) => new SecretsManagerClient(region ? { region } : {}),
};
/** Reads the stack's `TokenSecretArn` output, then that secret's value. */
export async function secretFromStack(stackName, region, clients = sdkClients) {
    const { Stacks } = await clients.cloudFormation(region).send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack)
        throw new Error(`stack ${stackName} was not found`);
    const arn = stack.Outputs?.find((output) => output.OutputKey === TOKEN_SECRET_OUTPUT)?.OutputValue;
    if (!arn)
        throw new Error(`stack ${stackName} has no ${TOKEN_SECRET_OUTPUT} output; is it a topicast stack (deployed from lib/topicast-stack.ts)?`);
    // The secret ARN carries its region: read it there, whatever the default region is.
    const secretRegion = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(arn)?.[1] ?? region;
    const { SecretString } = await clients.secretsManager(secretRegion).send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString)
        throw new Error(`secret ${arn} has no string value`);
    return SecretString;
}
/** Runs `topicast token`: resolves the secret, returns the signed token. */
export async function tokenCommand(args, env, clients = sdkClients) {
    const request = parseTokenArgs(args, env);
    const secret = request.source.kind === 'value' ? request.source.secret : await secretFromStack(request.source.stackName, request.source.region, clients);
    return signToken(request, secret);
}
