/**
 * The dashboard under `npm start` counts what the functions publish: the EMF lines that
 * topicast's Metrics port writes through Powertools (read back here from real output).
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics } from '../../lambdas/adapters/observability/emf-metrics.js';
import { emfRecords } from '../../local-gateway/pages/emf-lines.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** What one invocation's metrics print, line by line. */
function printed(record: (metrics: EmfMetrics) => void): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const metrics = new EmfMetrics(new PowertoolsMetrics({ namespace: 'topicast-test', serviceName: 'topicast' }));
  record(metrics);
  metrics.flush();
  vi.restoreAllMocks();
  return lines;
}

describe('emfRecords', () => {
  it('reads each metric of a line once, with its topic pattern or reason', () => {
    // Prepare
    const lines = printed((metrics) => {
      metrics.record('deliveries', 3, { topicPattern: 'room:*' });
      metrics.record('deliveries', 2, { topicPattern: 'room:*' });
      metrics.record('refusals', 1, { reason: 'rate_limited' });
      metrics.record('fanoutDuration', 12, { topicPattern: 'room:*' });
    });

    // Act
    const records = lines.flatMap(emfRecords);

    // Assess
    expect(records).toContainEqual({ metric: 'deliveries', value: 5, dimensions: { topicPattern: 'room:*' } });
    expect(records).toContainEqual({ metric: 'refusals', value: 1, dimensions: { reason: 'rate_limited' } });
    expect(records.filter((record) => record.metric === 'deliveries')).toHaveLength(1);
  });

  it('ignores lines that are not topicast’s metrics', () => {
    expect(emfRecords('2026-12-07T00:00:00.000Z\tid\tINFO\tjoined room:lobby')).toEqual([]);
    expect(emfRecords('{"_aws": broken')).toEqual([]);
    expect(emfRecords(JSON.stringify({ _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: 'SomethingElse' }] }] }, SomethingElse: 1 }))).toEqual([]);
  });
});
