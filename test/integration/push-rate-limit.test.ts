/**
 * The push rate limit counted in memory per execution environment and written to the
 * connection's counter item every `pushesPerCounterWrite` pushes, against dynalite: exact
 * in one environment, within the stated overshoot over several (docs/security.md), exact
 * everywhere with 1, and open again in the next window.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { PushRateLimiter } from '../../lambdas/core/use-cases/push-rate-limiter.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';

let table: TestTable;
let store: DynamoRealtimeStore;
let log: RequestLog;
let connection = 0;

beforeAll(async () => {
  table = await startTestTable();
  store = new DynamoRealtimeStore(table.documentClient, table.tableName);
  log = recordRequests(table.documentClient);
});

afterAll(async () => {
  await table.stop();
});

beforeEach(() => {
  log.clear();
  connection += 1;
});

const WINDOW_START_MS = Date.parse('2026-11-28T12:00:00Z');
const limits = (max: number, every: number) => ({ maxPushesPerWindow: max, pushesPerCounterWrite: every, rateLimitWindowSeconds: 10 });

/** Pushes `count` times through the environments in turn; how many were admitted. */
async function push(environments: readonly PushRateLimiter[], count: number, atMs = WINDOW_START_MS): Promise<boolean[]> {
  const admitted: boolean[] = [];
  for (let n = 0; n < count; n += 1) admitted.push(await (environments[n % environments.length] as PushRateLimiter).admit(`c${connection}`, atMs));
  return admitted;
}

describe('push rate limit', () => {
  it('in one execution environment admits exactly the limit, writing the counter once per pushesPerCounterWrite pushes', async () => {
    // Act
    const admitted = await push([new PushRateLimiter(store, limits(25, 10))], 40);

    // Assess: 25 admitted, then refused; the counter was written at the 10th and 20th push only
    expect(admitted).toEqual([...Array<boolean>(25).fill(true), ...Array<boolean>(15).fill(false)]);
    expect(log.count('UpdateItemCommand')).toBe(2);
  });

  it('over several environments admits at most maxPushesPerWindow + E × (pushesPerCounterWrite − 1), and each stops once a write shows the limit passed', async () => {
    // Prepare: three environments serve one connection's pushes in turn
    const environments = [0, 1, 2].map(() => new PushRateLimiter(store, limits(25, 10)));

    // Act
    const admitted = await push(environments, 150);

    // Assess
    const accepted = admitted.filter(Boolean).length;
    expect(accepted).toBeGreaterThanOrEqual(25);
    expect(accepted).toBeLessThanOrEqual(25 + 3 * 9);
    // Past the bound nothing more is admitted, however long the connection keeps pushing.
    expect(admitted.slice(90).some(Boolean)).toBe(false);
    expect(log.count('UpdateItemCommand')).toBeLessThanOrEqual(150 / 10);
  });

  it('with pushesPerCounterWrite 1 writes every admitted push and is exact over several environments', async () => {
    // Prepare
    const environments = [0, 1, 2].map(() => new PushRateLimiter(store, limits(7, 1)));

    // Act
    const admitted = await push(environments, 12);

    // Assess
    expect(admitted.filter(Boolean)).toHaveLength(7);
    expect(admitted.slice(0, 7).every(Boolean)).toBe(true);
  });

  it('opens again in the next window', async () => {
    // Prepare
    const environment = new PushRateLimiter(store, limits(3, 10));
    await push([environment], 5);

    // Act
    const nextWindow = await push([environment], 4, WINDOW_START_MS + 10_000);

    // Assess
    expect(nextWindow).toEqual([true, true, true, false]);
  });
});
