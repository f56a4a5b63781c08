/**
 * Topic history: the seq of each broadcast on a topic with history on, and reading the
 * retained ones back for a replaying join or a backend (docs/protocol.md, "History and
 * replay"). publish() appends here and only there; join replays; the server operations read.
 */
import type { TopicastConfig } from '../config.js';
import { historyFor, isTruncated, replayRange } from '../history.js';
import type { Clock, HistoryEntry, HistoryStore } from '../ports.js';

/** What a join reply (or a history read) says about the replay. */
export interface ReplaySummary {
  /** Messages replayed. */
  readonly replayed: number;
  /** True when retention (maxMessages or ttlSeconds) had already dropped some messages after `since`. */
  readonly truncated: boolean;
  /** The topic's seq when the join read it: every later message arrives live. 0 before the first broadcast. */
  readonly seq: number;
  /** Only when the replay stopped at its deadline with retained messages left to send. */
  readonly more?: true;
  /** With `more`: every seq up to this one was replayed (or had nothing to replay); join again with it as `since`. */
  readonly resumeSince?: number;
}

export interface HistoryRead {
  readonly topic: string;
  readonly seq: number;
  readonly truncated: boolean;
  readonly messages: readonly HistoryEntry[];
}

/**
 * What became of one replayed message: delivered; failed after retries (a gap the client
 * sees); `stop`, nothing more wanted (the socket is gone, a read is full); `deadline`, not
 * sent because the invocation ends too soon (the rest is left for the client's next join).
 */
export type ReplayStep = 'delivered' | 'failed' | 'stop' | 'deadline';

export class TopicHistory {
  public constructor(
    private readonly store: HistoryStore,
    private readonly config: Pick<TopicastConfig, 'history'>,
    private readonly clock: Clock,
  ) {}

  /** Whether broadcasts on the topic carry seq and are retained. */
  public isOn(topic: string): boolean {
    return historyFor(topic, this.config) !== null;
  }

  /** Takes the broadcast's seq and retains it; null on a topic without history (no request made). */
  public async append(topic: string, message: { readonly event: string; readonly payload: unknown }): Promise<number | null> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return null;
    return this.store.append(topic, message, retention.ttlSeconds);
  }

  /** Takes back an appended broadcast that reached nobody: replays skip its seq, as a hole. */
  public async discard(topic: string, seq: number): Promise<void> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return;
    await this.store.discard(topic, seq, retention.ttlSeconds);
  }

  /**
   * Hands every retained message with seq > `since`, up to the counter as read now, to
   * `deliver` in order. Call it after the subscription is written: any seq above the counter
   * read here is then delivered live. `since` null only reads the counter (the reply's `seq`).
   */
  public async replay(topic: string, since: number | null, deliver: (entry: HistoryEntry) => Promise<ReplayStep>): Promise<ReplaySummary | null> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return null;
    const counter = await this.store.counter(topic);
    const seq = counter?.current ?? 0;
    if (since === null || counter === null) return { replayed: 0, truncated: false, seq };
    const range = replayRange(since, counter, retention);
    let replayed = 0;
    let firstFound: number | null = null;
    let anchorExpiresAt: number | null = null;
    let resumeSince: number | null = null;
    if (range !== null) {
      const { anchor } = range;
      const read = anchor === null ? range : { after: anchor - 1, upTo: range.upTo, limit: range.limit + 1 };
      pages: for await (const page of this.store.read(topic, read)) {
        for (const record of page) {
          if (record.seq === anchor) {
            anchorExpiresAt = record.expiresAt;
            continue;
          }
          firstFound ??= record.seq;
          // A discarded broadcast's mark: nobody got it live, nobody replays it.
          if (record.message === null) continue;
          const step = await deliver({ seq: record.seq, ...record.message });
          if (step === 'delivered') replayed += 1;
          if (step === 'stop') break pages;
          if (step === 'deadline') {
            resumeSince = record.seq - 1;
            break pages;
          }
        }
      }
    }
    const evidence = { firstFound, anchorExpiresAt, epochFirst: counter.first, ttlSeconds: retention.ttlSeconds, nowMs: this.clock.nowMs() };
    const summary = { replayed, truncated: isTruncated(range, evidence), seq };
    return resumeSince === null ? summary : { ...summary, more: true, resumeSince };
  }

  /** The retained messages with seq > `since` (default: all retained), oldest first, at most `limit`. */
  public async read(topic: string, options: { readonly since?: number; readonly limit?: number } = {}): Promise<HistoryRead | null> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return null;
    const messages: HistoryEntry[] = [];
    const limit = Math.min(options.limit ?? retention.maxMessages, retention.maxMessages);
    const summary = await this.replay(topic, options.since ?? 0, async (entry) => {
      if (messages.length >= limit) return 'stop';
      messages.push(entry);
      return 'delivered';
    });
    if (summary === null) return null;
    return { topic, seq: summary.seq, truncated: summary.truncated, messages };
  }
}
