/** The Logger port over Powertools' Logger: structured JSON, Lambda context, Error objects with stacks. */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../core/ports.js';

export function loggerPort(logger: PowertoolsLogger): Logger {
  return {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
    appendKeys: (fields) => logger.appendKeys(fields),
  };
}
