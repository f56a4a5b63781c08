import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { JwtVerifier } from '../../adapters/auth/jwt-verifier.js';
import type { TokenVerifier } from '../../core/ports.js';
import type { ConnectDependencies } from '../dependencies.js';
import { lambdaObservability } from '../observability.js';
import { systemClock } from '../system.js';
import { PUSHER_ENVIRONMENT } from '../../core/pusher/app.js';
import type { ConnectionGreeter } from '../../core/pusher/greeting.js';
import { signingCredentials, workerDispatcher } from './messaging-parts.js';
import { configFromEnvironment, endpointFromEnvironment, storeFromEnvironment, type Environment } from './shared.js';

export function connectDependenciesFromEnvironment(env: Environment = process.env): ConnectDependencies {
  const { logger, metrics } = lambdaObservability();
  return {
    config: configFromEnvironment(env),
    logger,
    metrics,
    store: storeFromEnvironment(env),
    clock: systemClock,
    verifier: verifierFromEnvironment(env),
    endpointFor: endpointFromEnvironment(env),
    pusherGreeter: pusherGreeterFromEnvironment(env),
  };
}

/**
 * With the Pusher protocol on, `$connect` hands each Pusher client's greeting to the fan-out
 * worker (it cannot post to its own connection). It never needs the app secret: the app key
 * is checked by the custom domain's `app/{key}` mapping before `$connect` runs.
 */
function pusherGreeterFromEnvironment(env: Environment): ConnectionGreeter | undefined {
  const on = env[PUSHER_ENVIRONMENT.appId] !== undefined || env[PUSHER_ENVIRONMENT.key] !== undefined;
  const worker = env.TOPICAST_FANOUT_FUNCTION;
  if (!on) return undefined;
  if (!worker) throw new Error(`the Pusher protocol needs TOPICAST_FANOUT_FUNCTION on $connect: the fan-out worker posts connection_established`);
  return workerDispatcher(worker, env.AWS_REGION ?? 'us-east-1', signingCredentials(env), GREETING_INVOKE_TIMEOUT_MS, env);
}

/** One attempt of the greeting's invoke; the handshake waits for it. */
const GREETING_INVOKE_TIMEOUT_MS = 3000;

/**
 * HS256 secret from TOPICAST_TOKEN_SECRET (local) or Secrets Manager (deployed, read once
 * per cold start, on the first token); RS256/ES256 keys from TOPICAST_JWKS_URL.
 */
export function verifierFromEnvironment(env: Environment = process.env): TokenVerifier | undefined {
  const { TOPICAST_TOKEN_SECRET: secret, TOPICAST_TOKEN_SECRET_ARN: secretArn, TOPICAST_JWKS_URL: jwksUrl } = env;
  const loadSecret = secret
    ? () => Promise.resolve(secret)
    : secretArn
      ? () => readSecret(new SecretsManagerClient({}), secretArn)
      : undefined;
  if (!loadSecret && !jwksUrl) return undefined;
  return new JwtVerifier({
    secret: loadSecret,
    jwksUrl,
    issuer: env.TOPICAST_TOKEN_ISSUER,
    audience: env.TOPICAST_TOKEN_AUDIENCE,
  });
}

export async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
  return SecretString;
}
