/**
 * Exactly-once, gap-aware delivery of one topic's broadcasts on the client, with the
 * `since` to rejoin with (docs/protocol.md, "History and replay"). Broadcasts of a topic
 * with history carry a seq (native: `"seq"`; Phoenix V2: the ref slot, the second argument
 * of `channel.on` callbacks). A message can arrive twice (replayed, and live from a
 * publisher that was in flight during the join) and out of order (API Gateway runs
 * publishers concurrently): `accept` answers false for one already seen.
 *
 *   const seen = new SeqTracker();
 *   const channel = socket.channel('room:lobby', () => seen.joinParams());
 *   channel.join().receive('ok', (response) => seen.joined(response));
 *   channel.on('shout', (payload, ref) => { if (seen.accept(ref)) render(payload); });
 *
 * A long replay may stop at the server's deadline: the reply then says `more` and
 * `joined` answers true; join again (docs/phoenix.md shows how) and `since` continues
 * from where the replay stopped.
 *
 * No dependencies; browser and Node alike.
 */

/** What a join reply says about history: `{ replayed, truncated, seq, more?, resumeSince? }` (any other fields are ignored). */
export interface JoinHistoryResponse {
  readonly seq?: unknown;
  readonly truncated?: unknown;
  readonly replayed?: unknown;
  /** True when the replay stopped at the server's deadline with retained messages left. */
  readonly more?: unknown;
  /** With `more`: the since to join with for the rest. */
  readonly resumeSince?: unknown;
  readonly [field: string]: unknown;
}

export interface SeqTrackerOptions {
  /** The last seq seen before (e.g. kept in storage across page loads). @default null - nothing seen */
  readonly since?: number | null;
  /**
   * How long a gap may stay open before it is given up. A publisher that took a seq
   * delivers it within its function's timeout (10 s by default) or never (it failed, or
   * the post did). @default 15000
   */
  readonly settleMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class SeqTracker {
  // Every seq at or below `floor` has been seen, given up, or was not wanted (before the first join).
  private floor: number | null;
  // Seqs above the floor that were seen, with when.
  private readonly ahead = new Map<number, number>();
  private joinedBefore = false;
  // Where a replay that stopped at its deadline continues: seqs up to it were replayed or
  // never had a message, so a join asks only for what comes after (gaps below it still
  // settle, or fill from live delivery, as any gap).
  private resumeAfter: number | null = null;
  // The since last read (for a join), to tell a replay that moved on from one that did not.
  private asked: number | null = null;
  private readonly settleMs: number;
  private readonly now: () => number;

  public constructor(options: SeqTrackerOptions = {}) {
    this.floor = options.since ?? null;
    this.joinedBefore = this.floor !== null;
    this.settleMs = options.settleMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The seq to join with (`{"since": n}`): every message after it is wanted. Gaps that
   * stayed open longer than `settleMs` are given up first. Null before the first join
   * (a first join wants no history); 0 after joining a topic that had no message yet.
   */
  public get since(): number | null {
    const seen = this.sinceSeen();
    this.asked = seen === null || this.resumeAfter === null ? seen : Math.max(seen, this.resumeAfter);
    return this.asked;
  }

  /** Join params for the phoenix client's params function (re-read at every rejoin). */
  public joinParams(params: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const since = this.since;
    return since === null ? { ...params } : { ...params, since };
  }

  /**
   * Records a broadcast's seq; false when it was seen before (drop the message). A
   * message without seq (null: a topic without history, or a presence event) is always new.
   */
  public accept(seq: number | string | null | undefined): boolean {
    if (seq === null || seq === undefined) return true;
    const value = typeof seq === 'number' ? seq : Number(seq);
    if (!Number.isSafeInteger(value)) return true;
    if (this.floor !== null && value <= this.floor) return false;
    if (this.ahead.has(value)) return false;
    this.ahead.set(value, this.now());
    this.compact();
    return true;
  }

  /**
   * Reads a join reply (`{ replayed, truncated, seq }`): a first join starts at the topic's
   * current seq; a replay cut short by retention gives up what retention dropped
   * (everything below the lowest seq seen since). Answers true when the replay stopped at
   * the server's deadline and moved past the since this join asked with: join again for
   * the rest. (A replay that could send nothing answers false, so a server short of time
   * never keeps a client rejoining; the next rejoin asks again.)
   */
  public joined(response: JoinHistoryResponse | null | undefined): boolean {
    const seq = response?.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return false;
    const resume = response?.more === true ? response.resumeSince : undefined;
    const more = typeof resume === 'number' && Number.isSafeInteger(resume);
    const moved = more && (this.asked === null || resume > this.asked);
    if (more) this.resumeAfter = Math.max(this.resumeAfter ?? resume, resume);
    const first = !this.joinedBefore;
    this.joinedBefore = true;
    if (first && seq > 0) this.floor = Math.max(this.floor ?? 0, seq);
    else if (response?.truncated === true) {
      const lowest = this.lowestAhead();
      if (lowest !== null) this.floor = Math.max(this.floor ?? 0, lowest - 1);
    }
    this.compact();
    return moved;
  }

  private sinceSeen(): number | null {
    this.settle();
    if (this.floor !== null) return this.floor;
    // Joined a topic that had no message yet: the first seq of a topic is not 1 (seqs
    // start from the time a topic's history begins), so what came before the lowest seq
    // seen is unknown; ask again from just below it, or for everything retained.
    const lowest = this.lowestAhead();
    if (lowest !== null) return lowest - 1;
    return this.joinedBefore ? 0 : null;
  }

  private settle(): void {
    const cutoff = this.now() - this.settleMs;
    for (;;) {
      const lowest = this.lowestAhead();
      if (lowest === null || (this.ahead.get(lowest) as number) > cutoff) break;
      this.floor = lowest - 1;
      this.compact();
    }
  }

  private compact(): void {
    if (this.floor === null) return;
    for (const seq of [...this.ahead.keys()]) if (seq <= this.floor) this.ahead.delete(seq);
    while (this.ahead.has(this.floor + 1)) {
      this.floor += 1;
      this.ahead.delete(this.floor);
    }
  }

  private lowestAhead(): number | null {
    let lowest: number | null = null;
    for (const seq of this.ahead.keys()) if (lowest === null || seq < lowest) lowest = seq;
    return lowest;
  }
}
