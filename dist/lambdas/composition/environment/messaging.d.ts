import { type MessagingDependencies } from '../dependencies.js';
import type { Environment } from './shared.js';
export { signingCredentials } from './messaging-parts.js';
/** The route functions: they hand topics above `fanout.workerThreshold` to the fan-out worker. */
export declare function messagingDependenciesFromEnvironment(env?: Environment): MessagingDependencies;
