/**
 * The Pusher app of a function, from its environment (lambdas/adapters/pusher/app-credentials.ts):
 * null when Pusher is off. The Secrets Manager client is made only when the secret is read.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { pusherAppLoaderFromEnvironment, type PusherAppLoader } from '../../adapters/pusher/app-credentials.js';
import type { Environment } from './settings.js';

export type { PusherAppLoader } from '../../adapters/pusher/app-credentials.js';

export function pusherAppFromEnvironment(env: Environment = process.env): PusherAppLoader | null {
  return pusherAppLoaderFromEnvironment(env, () => new SecretsManagerClient({}));
}
