import { readerFor } from '../../core/presence-readers.js';
import type { PresenceFunctionDependencies } from '../../handlers/presence-stream.js';
import { messagingDependenciesFromEnvironment } from './messaging.js';
import type { Environment } from './shared.js';

/** The variable that tells a presence function which stream reader it is (set by the construct). */
export const PRESENCE_WINDOW_ENV = 'TOPICAST_PRESENCE_WINDOW_SECONDS';

/** The presence function: a messaging function (it fans out, hands big topics to workers) that is one stream reader. */
export function presenceDependenciesFromEnvironment(env: Environment = process.env): PresenceFunctionDependencies {
  const deps = messagingDependenciesFromEnvironment(env);
  const windowSeconds = Number(env[PRESENCE_WINDOW_ENV] ?? Number.NaN);
  if (!Number.isInteger(windowSeconds)) throw new Error(`${PRESENCE_WINDOW_ENV} must be the reader's window in whole seconds`);
  return { ...deps, reader: readerFor(windowSeconds, deps.config.presence) };
}
