/**
 * Presence across a reconnect. A connection closes for reasons the member did not choose
 * (API Gateway's 2-hour cap, a network flap, a deploy); its client reconnects and rejoins
 * within seconds. Announcing that as a leave and a join costs every other member two
 * frames and tells them nothing true, so a member that names itself in its join
 * (`member`, a secret per socket, as topicast/client sends) keeps its presence for a
 * grace period after such a close:
 *
 * - `$disconnect` holds the member's topic row (`heldUntil`: no longer delivered to, still
 *   in presence) instead of deleting it, and starts a timer (an SQS message delayed by the
 *   grace period);
 * - a rejoin of the same member (same secret, same user, same meta) within it takes the
 *   held row over (`resumedBy` on it, `resumes` on its own row) and inherits its presence
 *   key and `phx_ref`: the stream reader announces neither the new row nor the removal of
 *   the old one, so members see nothing;
 * - when the timer fires, the held row is deleted: if nobody took it over, the stream
 *   announces its leave then (grace + the timer's latency).
 *
 * Explicit leaves, closes the client states as final (close code 4001), reaping of gone
 * connections and TTL expiry stay immediate; so do clients that name no member (a plain
 * phoenix client: leave then join) and topics without a window (a diff per change).
 */
import { createHash } from 'node:crypto';
import type { TopicastConfig } from './config.js';
import { matchesPattern } from './topic-patterns.js';
import { presenceWindowFor } from './presence-readers.js';
import { presenceEnabledFor } from './topic-settings.js';
import { ProtocolError } from './errors.js';
import { REASONS } from './protocol/constants.js';

/**
 * The close code a client sends when it means to leave for good (4000-4999 are the
 * application's): its presence leaves at once. topicast/client's `disconnect()` sends it;
 * its own reconnects close with 4000, which is not final.
 */
export const FINAL_CLOSE_CODE = 4001;

/** Extra life of a held row past its grace period: if the timer never fires, readers reap it as expired after this. */
export const HELD_ROW_MARGIN_SECONDS = 60;

const MEMBER_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** How long a topic holds a reconnecting member's presence; 0 when it announces leaves at once. */
export function presenceGraceMsFor(topic: string, config: TopicastConfig): number {
  if (!presenceEnabledFor(topic, config) || presenceWindowFor(topic, config) === 0) return 0;
  const { graceMs, topics } = config.presence;
  return topics.find((entry) => entry.graceMs !== undefined && matchesPattern(entry.pattern, topic))?.graceMs ?? graceMs;
}

/** Whether a `$disconnect` with this close code was the member's own final word. */
export function isFinalClose(statusCode: number | null | undefined): boolean {
  return statusCode === FINAL_CLOSE_CODE;
}

/** The join payload's `member` (16-128 URL-safe characters), or null when the join names none. */
export function readMember(payload: Readonly<Record<string, unknown>>): string | null {
  const member = payload.member;
  if (member === undefined || member === null) return null;
  if (typeof member !== 'string' || !MEMBER_PATTERN.test(member)) {
    throw new ProtocolError(REASONS.invalidFrame, 'join payload "member" must be 16-128 characters of A-Z, a-z, 0-9, "-" and "_"');
  }
  return member;
}

/** What the table keeps of a member's secret: its SHA-256, so a row never shows what would take it over. */
export function memberTagOf(member: string): string {
  return createHash('sha256').update(member).digest('base64url');
}

/** A held row the grace timer releases: where it is, and whose it was. */
export interface HeldMember {
  readonly topic: string;
  readonly shard: number;
  readonly connectionId: string;
  /** The member's tag (a hash of its secret): the member record to clear with it. */
  readonly member: string;
}
