/** A Metrics port that keeps every record, so tests can read what a request counted. */
import type { MetricDimensions, MetricKey, Metrics } from '../../lambdas/core/metrics.js';

export interface MetricRecord {
  readonly metric: MetricKey;
  readonly value: number;
  readonly dimensions: MetricDimensions;
}

export interface RecordingMetrics extends Metrics {
  readonly records: MetricRecord[];
  /** Sum of a metric's values, optionally only those with matching dimensions. */
  total(metric: MetricKey, dimensions?: MetricDimensions): number;
  clear(): void;
}

export function recordingMetrics(): RecordingMetrics {
  const records: MetricRecord[] = [];
  return {
    records,
    record: (metric, value, dimensions = {}) => void records.push({ metric, value, dimensions }),
    total: (metric, dimensions = {}) =>
      records
        .filter((r) => r.metric === metric && Object.entries(dimensions).every(([name, value]) => r.dimensions[name as keyof MetricDimensions] === value))
        .reduce((sum, r) => sum + r.value, 0),
    clear: () => void records.splice(0),
  };
}
