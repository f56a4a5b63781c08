/**
 * The Pusher app's credentials, as the functions get them: the app id and key from the
 * environment, the secret from the environment locally (TOPICAST_PUSHER_SECRET) or from
 * Secrets Manager deployed (TOPICAST_PUSHER_SECRET_ARN, the secret's value being the raw
 * secret string). The secret is read once per execution environment, on first use, so a
 * function that never signs or verifies never calls Secrets Manager.
 *
 * Both sides use it: the WebSocket side verifies channel auth, the HTTP side verifies
 * request signatures and signs webhooks.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PUSHER_ENVIRONMENT, type PusherApp } from '../../core/pusher/app.js';

/** What the loader needs of a Secrets Manager client (the SDK's `SecretsManagerClient` is one). */
export interface SecretValueClient {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

/** Answers the app, reading its secret at most once while it succeeds (a failed read is retried on the next call). */
export type PusherAppLoader = () => Promise<PusherApp>;

/** Thrown at composition when the environment turns Pusher on only halfway. */
export class PusherConfigurationError extends Error {
  public override readonly name = 'PusherConfigurationError';
}

// Both appear in URL paths (`/apps/{id}/...`, `/app/{key}`): no slash, no space, nothing to escape.
const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The loader, or null when the environment does not turn Pusher on (neither the app id nor
 * the key set). A partial setting is an error naming what is missing, never a silent off.
 * `secretsClient` is called only when the secret comes from Secrets Manager.
 */
export function pusherAppLoaderFromEnvironment(env: Readonly<Record<string, string | undefined>>, secretsClient: () => SecretValueClient): PusherAppLoader | null {
  const appId = env[PUSHER_ENVIRONMENT.appId];
  const key = env[PUSHER_ENVIRONMENT.key];
  const secret = env[PUSHER_ENVIRONMENT.secret];
  const secretArn = env[PUSHER_ENVIRONMENT.secretArn];
  if (!appId && !key && !secret && !secretArn) return null;
  const problems: string[] = [];
  if (!appId || !IDENTIFIER.test(appId)) problems.push(`${PUSHER_ENVIRONMENT.appId} must be 1 to 64 letters, digits, "_" or "-"`);
  if (!key || !IDENTIFIER.test(key)) problems.push(`${PUSHER_ENVIRONMENT.key} must be 1 to 64 letters, digits, "_" or "-"`);
  if (!secret && !secretArn) problems.push(`set ${PUSHER_ENVIRONMENT.secret} (locally) or ${PUSHER_ENVIRONMENT.secretArn} (deployed)`);
  if (problems.length > 0) throw new PusherConfigurationError(`the Pusher app is only partly configured: ${problems.join('; ')}`);
  const identity = { appId: appId as string, key: key as string };
  if (secret) {
    const app: PusherApp = { ...identity, secret };
    return () => Promise.resolve(app);
  }
  return onceWhileSucceeding(async () => ({ ...identity, secret: await readSecretString(secretsClient(), secretArn as string) }));
}

async function readSecretString(client: SecretValueClient, secretId: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new PusherConfigurationError(`secret ${secretId} has no string value (it must hold the Pusher app secret as plain text)`);
  return SecretString;
}

/** The first successful result, kept; a failure is not kept, so a later call tries again. */
function onceWhileSucceeding<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
}
