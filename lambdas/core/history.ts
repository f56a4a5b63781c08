/**
 * History rules, pure: which topics keep history, what a join's `since` may be, and which
 * part of the retained history a replay covers (docs/protocol.md, "History and replay").
 */
import type { HistoryRetention, TopicastConfig } from './config.js';
import { ProtocolError } from './errors.js';
import type { HistoryCounter } from './ports.js';
import { REASONS } from './protocol/constants.js';
import { matchesPattern, mostSpecificFirst } from './topic-patterns.js';

/** The retention of the most specific `history` pattern matching the topic, or null when history is off. */
export function historyFor(topic: string, config: Pick<TopicastConfig, 'history'>): HistoryRetention | null {
  const patterns = mostSpecificFirst(Object.keys(config.history), (pattern) => pattern);
  const pattern = patterns.find((candidate) => matchesPattern(candidate, topic));
  return pattern === undefined ? null : (config.history[pattern] ?? null);
}

/** A join payload's `since`: absent (no replay) or the last seq the client saw, a non-negative integer. */
export function readSince(payload: Readonly<Record<string, unknown>>): number | null {
  const since = payload.since;
  if (since === undefined || since === null) return null;
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    throw new ProtocolError(REASONS.invalidFrame, 'join payload "since" must be the last seq seen: an integer of at least 0');
  }
  return since;
}

/** The seqs a replay after `since` reads, and whether retention has already lost some of the gap. */
export interface ReplayRange {
  /** Exclusive lower bound of the seqs to read. */
  readonly after: number;
  /** Inclusive upper bound: the counter as read after subscribing; later seqs arrive live. */
  readonly upTo: number;
  /** Messages a replay may read (the topic's `maxMessages`). */
  readonly limit: number;
  /** The first seq the client is missing that ever existed (its epoch's first, or since + 1). */
  readonly firstMissing: number;
}

export function replayRange(since: number, counter: HistoryCounter | null, retention: HistoryRetention): ReplayRange | null {
  if (counter === null || since >= counter.current) return null;
  const firstMissing = Math.max(since + 1, counter.first);
  if (firstMissing > counter.current) return null;
  // Only the last maxMessages seqs are retained: reading below them would replay trimmed ones.
  const after = Math.max(firstMissing - 1, counter.current - retention.maxMessages);
  return { after, upTo: counter.current, limit: retention.maxMessages, firstMissing };
}

/** True when the replay could not start at the first missing seq: retention (count or TTL) cut the gap short. */
export function isTruncated(range: ReplayRange | null, firstReplayed: number | null): boolean {
  if (range === null) return false;
  return firstReplayed === null || firstReplayed > range.firstMissing;
}
