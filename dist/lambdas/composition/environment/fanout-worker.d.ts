import { type MessagingDependencies } from '../dependencies.js';
import type { Environment } from './shared.js';
/**
 * The fan-out worker never dispatches further (it has no lambda:InvokeFunction grant):
 * the leaves it announces after reaping are delivered inline. Leaving the Lambda client
 * out keeps it out of the worker's bundle.
 */
export declare function fanoutWorkerDependenciesFromEnvironment(env?: Environment): MessagingDependencies;
