import { assembleMessaging, type MessagingDependencies } from '../dependencies.js';
import { messagingPartsFromEnvironment, signingCredentials, workerDispatcher } from './messaging-parts.js';
import type { Environment } from './shared.js';

export { signingCredentials } from './messaging-parts.js';

/** The route functions: they hand topics above `fanout.workerThreshold` to the fan-out worker. */
export function messagingDependenciesFromEnvironment(env: Environment = process.env): MessagingDependencies {
  const parts = messagingPartsFromEnvironment(env);
  const worker = env.TOPICAST_FANOUT_FUNCTION;
  return assembleMessaging({
    ...parts,
    dispatcher: worker ? workerDispatcher(worker, env.AWS_REGION ?? 'us-east-1', signingCredentials(env), parts.config.fanout.postTimeoutMs, env) : undefined,
  });
}
