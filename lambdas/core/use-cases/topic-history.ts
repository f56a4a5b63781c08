/**
 * Topic history: the seq of each broadcast on a topic with history on, and reading the
 * retained ones back for a replaying join or a backend (docs/protocol.md, "History and
 * replay"). publish() appends here and only there; join replays; the server operations read.
 */
import type { TopicastConfig } from '../config.js';
import { historyFor, isTruncated, replayRange } from '../history.js';
import type { HistoryEntry, HistoryStore } from '../ports.js';

/** What a join reply (or a history read) says about the replay. */
export interface ReplaySummary {
  /** Messages replayed. */
  readonly replayed: number;
  /** True when retention (maxMessages or ttlSeconds) had already dropped some messages after `since`. */
  readonly truncated: boolean;
  /** The topic's seq when the join read it: every later message arrives live. 0 before the first broadcast. */
  readonly seq: number;
}

export interface HistoryRead {
  readonly topic: string;
  readonly seq: number;
  readonly truncated: boolean;
  readonly messages: readonly HistoryEntry[];
}

export class TopicHistory {
  public constructor(
    private readonly store: HistoryStore,
    private readonly config: Pick<TopicastConfig, 'history'>,
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

  /**
   * Hands every retained message with seq > `since`, up to the counter as read now, to
   * `deliver` in order; `deliver` answers whether it was delivered, or 'stop' (the socket is gone).
   * Call it after the subscription is written: any seq above the counter read here is
   * then delivered live. `since` null only reads the counter (the reply's `seq`).
   */
  public async replay(topic: string, since: number | null, deliver: (entry: HistoryEntry) => Promise<boolean | 'stop'>): Promise<ReplaySummary | null> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return null;
    const counter = await this.store.counter(topic);
    const seq = counter?.current ?? 0;
    if (since === null) return { replayed: 0, truncated: false, seq };
    const range = replayRange(since, counter, retention);
    let replayed = 0;
    let firstReplayed: number | null = null;
    if (range !== null) {
      pages: for await (const page of this.store.read(topic, range)) {
        for (const entry of page) {
          firstReplayed ??= entry.seq;
          const delivered = await deliver(entry);
          if (delivered === 'stop') break pages;
          if (delivered) replayed += 1;
        }
      }
    }
    return { replayed, truncated: isTruncated(range, firstReplayed), seq };
  }

  /** The retained messages with seq > `since` (default: all retained), oldest first, at most `limit`. */
  public async read(topic: string, options: { readonly since?: number; readonly limit?: number } = {}): Promise<HistoryRead | null> {
    const retention = historyFor(topic, this.config);
    if (retention === null) return null;
    const messages: HistoryEntry[] = [];
    const limit = Math.min(options.limit ?? retention.maxMessages, retention.maxMessages);
    const summary = await this.replay(topic, options.since ?? 0, async (entry) => {
      messages.push(entry);
      return messages.length < limit ? true : 'stop';
    });
    if (summary === null) return null;
    return { topic, seq: summary.seq, truncated: summary.truncated, messages };
  }
}
