import { randomUUID } from 'node:crypto';
export const systemClock = { nowMs: () => Date.now() };
export const randomIds = {
    // Phoenix uses opaque refs; a UUID's first 16 hex digits are unique enough per topic.
    phxRef: () => randomUUID().replace(/-/g, '').slice(0, 16),
};
/** One JSON line per entry, as CloudWatch Logs Insights expects. */
export function jsonLogger(write = (line) => process.stdout.write(`${line}\n`)) {
    const log = (level) => (message, fields = {}) => write(JSON.stringify({ level, message, ...fields, time: new Date().toISOString() }));
    return { info: log('info'), warn: log('warn'), error: log('error') };
}
export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
