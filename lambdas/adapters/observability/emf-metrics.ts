/**
 * The Metrics port over Powertools' EMF writer. Values are summed in memory during an
 * invocation and written once at its end (`flush`), one EMF line per dimension group, so a
 * 1000-subscriber fan-out costs a handful of additions, not 1000 log lines.
 *
 * A metric recorded with a topic pattern or reason is published under two dimension sets in
 * one line: with the dimension (per pattern, per reason) and without it (the total that
 * alarms watch). CloudWatch stores both from the same values.
 */
import type { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRICS, type MetricDimensions, type MetricKey, type Metrics } from '../../core/metrics.js';
import { ANY_TOPIC_PATTERN } from '../../core/topic-settings.js';
import { DIMENSION_NAMES } from './cloudwatch-names.js';

interface Group {
  readonly dimensions: Readonly<Record<string, string>>;
  /** Counts are summed; durations and sizes keep each sample (EMF takes up to 100 values). */
  readonly values: Map<MetricKey, number[]>;
}

const MAX_SAMPLES = 100;

export class EmfMetrics implements Metrics {
  private readonly groups = new Map<string, Group>();

  public constructor(private readonly emf: PowertoolsMetrics) {}

  public record(metric: MetricKey, value: number, dimensions: MetricDimensions = {}): void {
    const definition = METRICS[metric];
    if (definition.unit === 'Count' && value === 0) return;
    const named: Record<string, string> = {};
    if ('byTopicPattern' in definition) named[DIMENSION_NAMES.topicPattern] = dimensions.topicPattern ?? ANY_TOPIC_PATTERN;
    if ('byReason' in definition) named[DIMENSION_NAMES.reason] = dimensions.reason ?? 'unknown';
    const key = JSON.stringify(named);
    let group = this.groups.get(key);
    if (!group) {
      group = { dimensions: named, values: new Map() };
      this.groups.set(key, group);
    }
    const values = group.values.get(metric);
    if (!values) group.values.set(metric, [value]);
    else if (definition.unit === 'Count') values[0] = (values[0] as number) + value;
    else if (values.length < MAX_SAMPLES) values.push(value);
  }

  /** Writes what this invocation recorded and forgets it. */
  public flush(): void {
    for (const { dimensions, values } of this.groups.values()) {
      const perDimension = Object.keys(dimensions).length > 0;
      for (const [name, value] of Object.entries(dimensions)) this.emf.addDimension(name, value);
      // An empty extra set: the same values also land under the default dimensions alone.
      if (perDimension) this.emf.addDimensions({});
      for (const [metric, samples] of values) {
        const { name, unit } = METRICS[metric];
        for (const sample of samples) this.emf.addMetric(name, unit, sample);
      }
      this.emf.publishStoredMetrics();
    }
    this.groups.clear();
  }
}
