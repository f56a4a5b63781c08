import { type CredentialProvider } from '../../adapters/management-api/credentials.js';
import type { MessagingParts } from '../dependencies.js';
import { type Environment } from './shared.js';
/** Everything a messaging function needs but the fan-out dispatcher (which needs the Lambda client). */
export declare function messagingPartsFromEnvironment(env?: Environment): MessagingParts;
/**
 * Lambda puts the execution role's credentials in the environment, valid for the life of
 * the execution environment: the cheapest correct source. Anywhere else (a container, a
 * laptop) the SDK's default chain finds them. Either way they are resolved once and
 * refreshed five minutes before they expire.
 */
export declare function signingCredentials(env?: Environment): CredentialProvider;
