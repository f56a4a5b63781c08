/** The dashboard chart's per-second history: deliveries per second and open connections carried forward. */
import { describe, expect, it } from 'vitest';
import { LiveSeries, SERIES_SECONDS } from '../../local-gateway/pages/live-series.js';

describe('LiveSeries', () => {
  it('counts deliveries per second and carries the connection count forward, up to the last complete second', () => {
    let now = 1_000_000_000;
    const series = new LiveSeries(() => now);
    series.connectionsChanged(1);
    series.delivered(3);
    series.delivered(2);
    now += 1000;
    series.connectionsChanged(2);
    now += 2000;

    const snapshot = series.snapshot();

    expect(snapshot.deliveries).toHaveLength(SERIES_SECONDS);
    expect(snapshot.from).toBe(1_000_000 + 3 - SERIES_SECONDS);
    expect(snapshot.deliveries.slice(-3)).toEqual([5, 0, 0]);
    expect(snapshot.connections.slice(-4)).toEqual([0, 1, 2, 2]);
  });

  it('forgets samples older than the window but keeps the connection count they ended on', () => {
    let now = 2_000_000_000;
    const series = new LiveSeries(() => now);
    series.connectionsChanged(4);
    series.delivered(7);
    now += (SERIES_SECONDS + 10) * 1000;
    series.delivered(1);
    now += 1000;

    const snapshot = series.snapshot();

    expect(snapshot.deliveries.reduce((a, b) => a + b, 0)).toBe(1);
    expect(new Set(snapshot.connections)).toEqual(new Set([4]));
  });
});
