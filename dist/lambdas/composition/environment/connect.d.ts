import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TokenVerifier } from '../../core/ports.js';
import type { ConnectDependencies } from '../dependencies.js';
import { type Environment } from './shared.js';
export declare function connectDependenciesFromEnvironment(env?: Environment): ConnectDependencies;
/**
 * HS256 secret from TOPICAST_TOKEN_SECRET (local) or Secrets Manager (deployed, read once
 * per cold start, on the first token); RS256/ES256 keys from TOPICAST_JWKS_URL.
 */
export declare function verifierFromEnvironment(env?: Environment): TokenVerifier | undefined;
export declare function readSecret(client: SecretsManagerClient, secretId: string): Promise<string>;
