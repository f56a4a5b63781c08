import { assembleMessaging } from '../dependencies.js';
import { messagingPartsFromEnvironment } from './messaging-parts.js';
/**
 * The fan-out worker never dispatches further (it has no lambda:InvokeFunction grant):
 * the leaves it announces after reaping are delivered inline. Leaving the Lambda client
 * out keeps it out of the worker's bundle.
 */
export function fanoutWorkerDependenciesFromEnvironment(env = process.env) {
    return assembleMessaging(messagingPartsFromEnvironment(env));
}
