/**
 * The Metrics port of the local gateway: instead of EMF lines on stdout, the counts feed
 * the live dashboard (totals since start, rates over the last seconds, recent refusals).
 */
import { METRICS, type MetricDimensions, type MetricKey, type Metrics } from '../../lambdas/core/metrics.js';

export interface Refusal {
  readonly at: number;
  readonly reason: string;
}

const RATE_WINDOW_SECONDS = 10;
const MAX_REFUSALS = 50;
/** Counted per second for the rates the dashboard shows. */
const RATED: readonly MetricKey[] = ['pushes', 'deliveries', 'failedDeliveries', 'joins'];

export interface LiveMetricsSnapshot {
  readonly totals: Record<string, number>;
  /** Per second, averaged over the last RATE_WINDOW_SECONDS complete seconds. */
  readonly perSecond: Record<string, number>;
  readonly refusals: readonly Refusal[];
}

export class LiveMetrics implements Metrics {
  private readonly totals = new Map<MetricKey, number>();
  private readonly seconds = new Map<number, Map<MetricKey, number>>();
  private readonly refusals: Refusal[] = [];

  /** `onDeliveries` hears every delivery count (the dashboard's chart). */
  public constructor(
    private readonly now: () => number = Date.now,
    private readonly onDeliveries: (count: number) => void = () => undefined,
  ) {}

  public record(metric: MetricKey, value: number, dimensions: MetricDimensions = {}): void {
    if (METRICS[metric].unit !== 'Count') return;
    if (metric === 'deliveries') this.onDeliveries(value);
    this.totals.set(metric, (this.totals.get(metric) ?? 0) + value);
    if (metric === 'refusals' && value > 0) {
      this.refusals.unshift({ at: this.now(), reason: dimensions.reason ?? 'unknown' });
      this.refusals.length = Math.min(this.refusals.length, MAX_REFUSALS);
    }
    if (!RATED.includes(metric)) return;
    const second = Math.floor(this.now() / 1000);
    const bucket = this.seconds.get(second) ?? new Map<MetricKey, number>();
    bucket.set(metric, (bucket.get(metric) ?? 0) + value);
    this.seconds.set(second, bucket);
    for (const old of this.seconds.keys()) if (old <= second - RATE_WINDOW_SECONDS - 1) this.seconds.delete(old);
  }

  public snapshot(): LiveMetricsSnapshot {
    const current = Math.floor(this.now() / 1000);
    const perSecond: Record<string, number> = {};
    for (const metric of RATED) {
      let sum = 0;
      for (let second = current - RATE_WINDOW_SECONDS; second < current; second += 1) sum += this.seconds.get(second)?.get(metric) ?? 0;
      perSecond[METRICS[metric].name] = Math.round((sum / RATE_WINDOW_SECONDS) * 10) / 10;
    }
    const totals = Object.fromEntries(Object.entries(METRICS).filter(([, d]) => d.unit === 'Count').map(([key, d]) => [d.name, this.totals.get(key as MetricKey) ?? 0]));
    return { totals, perSecond, refusals: [...this.refusals] };
  }
}
