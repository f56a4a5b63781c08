/**
 * Which reader of the table's stream announces a topic's presence changes, and after how
 * long. Every distinct window (in whole seconds, Lambda's batching-window granularity) is
 * one reader: on AWS an event source mapping with that MaximumBatchingWindowInSeconds,
 * locally a stream emulator reader with the same filter. The construct and the local
 * gateway both build their readers from here, so they cannot disagree.
 */
import type { PresenceSettings, TopicastConfig } from './config.js';
import { matchesPattern } from './topic-patterns.js';

export const PRESENCE_LIMITS = {
  defaultWindowMs: 1000,
  /** A reconnect's rejoin within this time keeps the member's presence (Ably holds a leave 15 s). */
  defaultGraceMs: 15_000,
  /** SQS delays a message at most 900 s: the grace timer. */
  maxGraceMs: 900_000,
  /** Lambda's MaximumBatchingWindowInSeconds is at most 300. */
  maxWindowMs: 300_000,
  /** DynamoDB Streams serves at most two simultaneous readers per shard before throttling them. */
  maxStreamReaders: 2,
  /**
   * Connections tracked per topic by default: a presence_state of 200 members with small
   * metas is one or two 128 KB frames, and a join reads at most 201 items for it.
   */
  defaultMaxMembers: 200,
  /** A join's bounded read stays within a few 1 MB Query pages even with 1 KB metas. */
  maxMaxMembers: 10_000,
} as const;

/** How a reader takes batches off the stream: the event source mapping's settings, emulated locally. */
export const PRESENCE_STREAM_MAPPING = {
  /** Records per invocation; a batch is handed over when full, or when the window is up. */
  batchSize: 1000,
  /** A failed batch is retried from the reported record this many times, then skipped (and logged). */
  retryAttempts: 3,
} as const;

/** Partition-key prefix of topic-side subscription items (table-schema.ts); the only items a reader needs. */
export const TOPIC_ITEM_PREFIX = 't#';

export interface PresenceStreamReader {
  /** The batching window on AWS (MaximumBatchingWindowInSeconds). */
  readonly windowSeconds: number;
  /** The window the local emulator waits: the longest configured in milliseconds among this reader's topics. */
  readonly windowMs: number;
  /**
   * Partition-key prefixes of the items this reader needs (its event filter); null for the
   * reader of the default window, which receives every topic item and skips the topics of
   * the other reader (a filter cannot say "all but these prefixes").
   */
  readonly prefixes: readonly string[] | null;
}

/** The coalescing window of a topic, in milliseconds (0: a diff per change, sent at once). */
export function presenceWindowFor(topic: string, config: Pick<TopicastConfig, 'presence'>): number {
  const { windowMs, topics } = config.presence;
  return topics.find((entry) => entry.windowMs !== undefined && matchesPattern(entry.pattern, topic))?.windowMs ?? windowMs;
}

export function windowSecondsOf(windowMs: number): number {
  return Math.ceil(windowMs / 1000);
}

export function presenceStreamReaders(presence: PresenceSettings): PresenceStreamReader[] {
  const defaultSeconds = windowSecondsOf(presence.windowMs);
  const others = new Map<number, { windowMs: number; prefixes: string[] }>();
  let defaultMs = presence.windowMs;
  for (const { pattern, windowMs } of presence.topics) {
    if (windowMs === undefined) continue;
    const seconds = windowSecondsOf(windowMs);
    if (seconds === defaultSeconds) {
      defaultMs = Math.max(defaultMs, windowMs);
      continue;
    }
    const reader = others.get(seconds) ?? { windowMs, prefixes: [] };
    reader.windowMs = Math.max(reader.windowMs, windowMs);
    reader.prefixes.push(prefixOf(pattern));
    others.set(seconds, reader);
  }
  return [
    { windowSeconds: defaultSeconds, windowMs: defaultMs, prefixes: null },
    ...[...others].map(([windowSeconds, { windowMs, prefixes }]) => ({ windowSeconds, windowMs, prefixes: [...new Set(prefixes)] })),
  ];
}

/** Whether a topic's changes are this reader's to announce. */
export function readerAnnounces(reader: PresenceStreamReader, topic: string, config: Pick<TopicastConfig, 'presence'>): boolean {
  return windowSecondsOf(presenceWindowFor(topic, config)) === reader.windowSeconds;
}

/** The reader a function (or an emulated mapping) is, from its window in seconds. */
export function readerFor(windowSeconds: number, presence: PresenceSettings): PresenceStreamReader {
  const reader = presenceStreamReaders(presence).find((candidate) => candidate.windowSeconds === windowSeconds);
  if (!reader) throw new Error(`no presence stream reader has a ${windowSeconds} s window in this config`);
  return reader;
}

// Text before the first `*` (a topic item's pk is t#<topic>#<shard>); a pattern without one is a whole topic.
function prefixOf(pattern: string): string {
  const star = pattern.indexOf('*');
  return star < 0 ? `${TOPIC_ITEM_PREFIX}${pattern}#` : `${TOPIC_ITEM_PREFIX}${pattern.slice(0, star)}`;
}
