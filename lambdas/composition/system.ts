import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator, Logger } from '../core/ports.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

export const randomIds: IdGenerator = {
  // Phoenix uses opaque refs. These are ordered by time (12 hex digits of epoch ms), then 8
  // random hex digits, unique enough per topic: Pusher counts a presence member from its
  // earliest connection, and these say which one joined first (core/pusher/member-changes.ts).
  phxRef: () => `${Date.now().toString(16).padStart(12, '0')}${randomUUID().replace(/-/g, '').slice(0, 8)}`,
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
