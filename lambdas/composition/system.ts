import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator, Logger } from '../core/ports.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

export const randomIds: IdGenerator = {
  // Phoenix uses opaque refs; a UUID's first 16 hex digits are unique enough per topic.
  phxRef: () => randomUUID().replace(/-/g, '').slice(0, 16),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
