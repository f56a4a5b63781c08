/**
 * topicast's metrics as the functions publish them: CloudWatch Embedded Metric Format lines
 * on stdout (lambdas/adapters/observability/emf-metrics.ts). Under `npm start` the functions
 * run in processes of their own, so the dashboard reads their output instead of being
 * handed the counts in process. A line holding a metric under several dimension sets (a
 * total and the per-pattern one) is counted once.
 */
import { DIMENSION_NAMES } from '../../lambdas/adapters/observability/cloudwatch-names.js';
import { METRICS, type MetricDimensions, type MetricKey } from '../../lambdas/core/metrics.js';

export interface EmfRecord {
  readonly metric: MetricKey;
  readonly value: number;
  readonly dimensions: MetricDimensions;
}

const KEY_BY_NAME = new Map<string, MetricKey>(Object.entries(METRICS).map(([key, definition]) => [definition.name, key as MetricKey]));

interface EmfLine {
  readonly _aws?: { readonly CloudWatchMetrics?: readonly { readonly Metrics?: readonly { readonly Name?: unknown }[] }[] };
  readonly [field: string]: unknown;
}

/** The metrics of one output line; none when it is not an EMF line of topicast's metrics. */
export function emfRecords(line: string): EmfRecord[] {
  const start = line.indexOf('{"');
  if (start < 0 || !line.includes('"_aws"')) return [];
  let parsed: EmfLine;
  try {
    parsed = JSON.parse(line.slice(start)) as EmfLine;
  } catch {
    return [];
  }
  const names = new Set((parsed._aws?.CloudWatchMetrics ?? []).flatMap((directive) => (directive.Metrics ?? []).map((metric) => metric.Name)).filter((name): name is string => typeof name === 'string'));
  const dimensions: { topicPattern?: string; reason?: string } = {};
  const pattern = parsed[DIMENSION_NAMES.topicPattern];
  const reason = parsed[DIMENSION_NAMES.reason];
  if (typeof pattern === 'string') dimensions.topicPattern = pattern;
  if (typeof reason === 'string') dimensions.reason = reason;
  const records: EmfRecord[] = [];
  for (const name of names) {
    const metric = KEY_BY_NAME.get(name);
    const raw = parsed[name];
    const values = Array.isArray(raw) ? raw : [raw];
    if (!metric) continue;
    for (const value of values) if (typeof value === 'number') records.push({ metric, value, dimensions });
  }
  return records;
}
