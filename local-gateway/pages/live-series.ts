/**
 * Per-second history for the dashboard's chart: deliveries in each second and the open
 * connections at the end of each second, over the last SERIES_SECONDS. Counts are added
 * as they happen and the connection count is recorded when it changes (no timer), so an
 * idle gateway does no work for its chart.
 */
export const SERIES_SECONDS = 300;

export interface Series {
  /** Epoch second of the first sample; one sample per second up to the last complete one. */
  readonly from: number;
  readonly deliveries: readonly number[];
  readonly connections: readonly number[];
}

export class LiveSeries {
  private readonly deliveries = new Map<number, number>();
  /** second -> open connections after the last change in that second. */
  private readonly connections = new Map<number, number>();
  private connectionsBefore = 0;

  public constructor(private readonly now: () => number = Date.now) {}

  public delivered(count: number): void {
    const second = this.second();
    this.deliveries.set(second, (this.deliveries.get(second) ?? 0) + count);
    this.forget(second);
  }

  public connectionsChanged(open: number): void {
    const second = this.second();
    this.connections.set(second, open);
    this.forget(second);
  }

  public snapshot(): Series {
    const last = this.second() - 1;
    const from = last - SERIES_SECONDS + 1;
    let open = this.connectionsBefore;
    for (const [second, value] of [...this.connections].sort(([a], [b]) => a - b)) if (second < from) open = value;
    const deliveries: number[] = [];
    const connections: number[] = [];
    for (let second = from; second <= last; second += 1) {
      deliveries.push(this.deliveries.get(second) ?? 0);
      open = this.connections.get(second) ?? open;
      connections.push(open);
    }
    return { from, deliveries, connections };
  }

  private second(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Drops samples older than the window; the connection count they ended on carries over. */
  private forget(current: number): void {
    const oldest = current - SERIES_SECONDS - 1;
    for (const second of this.deliveries.keys()) if (second < oldest) this.deliveries.delete(second);
    for (const [second, value] of [...this.connections].sort(([a], [b]) => a - b)) {
      if (second >= oldest) break;
      this.connectionsBefore = value;
      this.connections.delete(second);
    }
  }
}
