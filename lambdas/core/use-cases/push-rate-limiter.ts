/**
 * The push rate limit without a DynamoDB write per push. An execution environment counts
 * each connection's pushes of the current window in memory and adds them to the
 * connection's counter item (`c#<id>` / `r#<window>`) once every `pushesPerCounterWrite`
 * pushes; that write returns the total all environments have added. A push is refused when
 * the last total this environment learned plus what it counted since passes
 * `maxPushesPerWindow`.
 *
 * What it allows: an environment holds at most `pushesPerCounterWrite − 1` accepted pushes
 * the counter does not have yet, and refuses everything once a write shows the limit
 * passed. The totals written while under the limit add up to at most the limit, so a
 * connection whose pushes E environments serve in one window makes at most
 * `maxPushesPerWindow + E × (pushesPerCounterWrite − 1)` pushes in it. One environment
 * (a client pushing one frame at a time mostly lands on the same warm one) counts exactly.
 * With `pushesPerCounterWrite: 1` every push is written and the limit is exact everywhere.
 */
import type { Limits } from '../config.js';
import type { RealtimeStore } from '../ports.js';
import { windowStartOf } from './rate-window.js';

interface WindowCount {
  readonly windowStart: number;
  /** The highest total the counter item returned. */
  known: number;
  /** Pushes counted here and not yet added to the counter item. */
  unwritten: number;
}

// Connections whose count is kept before stale windows are swept (a few dozen bytes each).
const SWEEP_ABOVE = 10_000;

export class PushRateLimiter {
  private readonly counts = new Map<string, WindowCount>();

  public constructor(
    private readonly store: Pick<RealtimeStore, 'countPushes'>,
    private readonly limits: Pick<Limits, 'maxPushesPerWindow' | 'pushesPerCounterWrite' | 'rateLimitWindowSeconds'>,
  ) {}

  /** Counts one push of the connection; false when it is over the limit. */
  public async admit(connectionId: string, nowMs: number): Promise<boolean> {
    const { maxPushesPerWindow: max, pushesPerCounterWrite: every, rateLimitWindowSeconds: seconds } = this.limits;
    const windowStart = windowStartOf(nowMs, seconds);
    let count = this.counts.get(connectionId);
    if (count?.windowStart !== windowStart) {
      if (this.counts.size >= SWEEP_ABOVE) this.sweep(windowStart);
      count = { windowStart, known: 0, unwritten: 0 };
      this.counts.set(connectionId, count);
    }
    count.unwritten += 1;
    if (count.known + count.unwritten > max) return false;
    if (count.unwritten < every) return true;
    // Taken before the write: pushes counted meanwhile (the local gateway runs them
    // concurrently) go into the next write.
    const adding = count.unwritten;
    count.unwritten = 0;
    const total = await this.store.countPushes(connectionId, windowStart, adding, windowStart + seconds * 2);
    count.known = Math.max(count.known, total);
    return total <= max;
  }

  private sweep(windowStart: number): void {
    for (const [connectionId, count] of this.counts) if (count.windowStart < windowStart) this.counts.delete(connectionId);
  }
}
