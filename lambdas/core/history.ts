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
  /**
   * `since` itself, read along with the replay when it belongs to the retained part of this
   * epoch: the seqs after it were taken after it, so while it is retained they cannot have
   * expired (see `gapIsHoles`). Null when the range starts elsewhere.
   */
  readonly anchor: number | null;
}

export function replayRange(since: number, counter: HistoryCounter | null, retention: HistoryRetention): ReplayRange | null {
  if (counter === null || since >= counter.current) return null;
  const firstMissing = Math.max(since + 1, counter.first);
  if (firstMissing > counter.current) return null;
  // Only the last maxMessages seqs are retained: reading below them would replay trimmed ones.
  const oldestRetained = counter.current - retention.maxMessages + 1;
  const after = Math.max(firstMissing - 1, oldestRetained - 1);
  // Reading `since` costs no request (the same Query) and rarely a read unit.
  const anchor = since >= counter.first && after === since ? since : null;
  return { after, upTo: counter.current, limit: retention.maxMessages, firstMissing, anchor };
}

/**
 * How long a publisher may take between reading its clock (which dates its message's TTL)
 * and taking its seq: longer than any topicast function's timeout (a route's is at most
 * 29 s, a fan-out worker's 60 s), so a message taken after the anchor never expires more
 * than this before it.
 */
export const PUBLISHER_STALL_SECONDS = 60;

/** What a replay read says about the seqs it did not find. */
export interface GapEvidence {
  /** The lowest seq at or above `firstMissing` with an item (a message, or a discarded broadcast's marker); null if none. */
  readonly firstFound: number | null;
  /** The anchor's TTL (epoch seconds) when it was read unexpired; null when it was not read. */
  readonly anchorExpiresAt: number | null;
  /** The counter's epoch start: its first seq, minus one, is the time (ms) it began. */
  readonly epochFirst: number;
  readonly ttlSeconds: number;
  readonly nowMs: number;
}

/**
 * True when retention (maxMessages, or ttlSeconds) dropped messages the client is missing.
 * Seqs can also be missing because they never had a message (a publisher that failed or
 * died after taking its seq): such a hole is not a loss, and is not reported as one when
 * the missing seqs provably cannot have expired yet.
 */
export function isTruncated(range: ReplayRange | null, evidence: GapEvidence): boolean {
  if (range === null) return false;
  // Below the last maxMessages: cut by count (whether those seqs had messages or not).
  if (range.after >= range.firstMissing) return true;
  if (evidence.firstFound === range.firstMissing) return false;
  return !gapIsHoles(evidence);
}

/**
 * Whether every seq from `firstMissing` on is too young to have expired, so an absent one
 * is a hole. DynamoDB keeps no write times, but seqs are taken in order: each missing seq was
 * taken after the anchor (retained, so it expires at `anchorExpiresAt`) and after its epoch
 * began; its TTL, dated by its publisher's clock just before it took the seq, is at most
 * PUBLISHER_STALL_SECONDS (plus one second of rounding) earlier than either bound.
 */
export function gapIsHoles(evidence: GapEvidence): boolean {
  const nowSeconds = Math.floor(evidence.nowMs / 1000);
  const margin = PUBLISHER_STALL_SECONDS + 1;
  const fromAnchor = evidence.anchorExpiresAt !== null && evidence.anchorExpiresAt - margin > nowSeconds;
  const fromEpoch = Math.floor((evidence.epochFirst - 1) / 1000) + evidence.ttlSeconds - margin > nowSeconds;
  return fromAnchor || fromEpoch;
}
