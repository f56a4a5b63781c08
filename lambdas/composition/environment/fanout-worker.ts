import { assembleMessaging, type MessagingDependencies } from '../dependencies.js';
import { messagingPartsFromEnvironment } from './messaging-parts.js';
import type { Environment } from './shared.js';

/**
 * The fan-out worker never dispatches further (it has no lambda:InvokeFunction grant):
 * the leaves it announces after reaping are delivered inline. Leaving the Lambda client
 * out keeps it out of the worker's bundle.
 */
export function fanoutWorkerDependenciesFromEnvironment(env: Environment = process.env): MessagingDependencies {
  return assembleMessaging(messagingPartsFromEnvironment(env));
}
