import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator, Logger } from '../core/ports.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

export const randomIds: IdGenerator = {
  // Phoenix uses opaque refs; a UUID's first 16 hex digits are unique enough per topic.
  phxRef: () => randomUUID().replace(/-/g, '').slice(0, 16),
};

/** One JSON line per entry, as CloudWatch Logs Insights expects. */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ level, message, ...fields, time: new Date().toISOString() }));
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
