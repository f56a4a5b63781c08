/**
 * `socket.kv` on dynalite: values and lists under the kv# prefix, every item with a TTL,
 * expired items absent on read, lists trimmed to their newest entries even under
 * concurrent appends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import type { Clock } from '../../lambdas/core/ports.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { getItem } from '../support/table-items.js';

let table: TestTable;
let log: RequestLog;
let now = Date.UTC(2026, 10, 28, 12, 0, 0);
const clock: Clock = { nowMs: () => now };
let kv: DynamoChannelKv;

beforeAll(async () => {
  table = await startTestTable();
  log = recordRequests(table.documentClient);
  kv = new DynamoChannelKv(table.documentClient, table.tableName, clock);
});

afterAll(async () => {
  await table?.stop();
});

describe('channel key-value store', () => {
  it('sets, gets and deletes JSON values, stored as kv#<key> with a TTL', async () => {
    // Act
    await kv.set('prefs:ann', { theme: 'dark', big: 1e200 }, { ttlSeconds: 60 });
    const read = await kv.get('prefs:ann');
    const item = await getItem(table, { pk: 'kv#prefs:ann', sk: 'kv' });
    await kv.delete('prefs:ann');

    // Assess
    expect(read).toEqual({ theme: 'dark', big: 1e200 });
    expect(item?.expiresAt).toBe(Math.floor(now / 1000) + 60);
    expect(await kv.get('prefs:ann')).toBeUndefined();
  });

  it('defaults the TTL to one day and reads an expired item as absent (DynamoDB deletes late, dynalite never)', async () => {
    // Prepare
    await kv.set('session', 'x');
    const item = await getItem(table, { pk: 'kv#session', sk: 'kv' });

    // Act
    now += 24 * 60 * 60 * 1000 + 1000;

    // Assess
    expect(item?.expiresAt).toBe(Math.floor((now - 24 * 60 * 60 * 1000 - 1000) / 1000) + 86400);
    expect(await kv.get('session')).toBeUndefined();
  });

  it('appends to a list and returns the newest `keep` entries, oldest first', async () => {
    // Act
    for (let i = 0; i < 25; i += 1) await kv.append('list:a', { i }, { keep: 10 });
    const entries = await kv.list<{ i: number }>('list:a');
    const stored = await getItem(table, { pk: 'kv#list:a', sk: 'kv' });

    // Assess
    expect(entries.map((e) => e.i)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    // Trimmed once it reaches keep plus a tenth: never more than 11 entries stored.
    expect((stored?.entries as unknown[]).length).toBeLessThanOrEqual(11);
  });

  it('costs one UpdateItem per append, plus one trim every keep/10 appends once full', async () => {
    // Prepare
    for (let i = 0; i < 50; i += 1) await kv.append('list:cost', i, { keep: 50 });
    log.clear();

    // Act
    for (let i = 0; i < 50; i += 1) await kv.append('list:cost', i, { keep: 50 });

    // Assess
    expect(log.count('UpdateItemCommand')).toBe(50 + 10);
  });

  it('loses no entry under concurrent appends', async () => {
    // Act
    await Promise.all(Array.from({ length: 40 }, (_, i) => kv.append('list:race', i, { keep: 100 })));

    // Assess
    expect((await kv.list<number>('list:race')).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('takes keys up to the partition key limit counted in UTF-8 bytes, not characters', async () => {
    // Prepare: 681 three-byte characters are 2043 bytes; 682 are 2046, over what `kv#` leaves of 2048
    const fits = '€'.repeat(681);
    const tooLong = '€'.repeat(682);

    // Act
    await kv.set(fits, 'ok');

    // Assess: the longest key DynamoDB takes works, one character more is refused before any request
    expect(await kv.get(fits)).toBe('ok');
    expect(await kv.get('a'.repeat(2045))).toBeUndefined();
    await expect(kv.set(tooLong, 1)).rejects.toThrow(RangeError);
    await expect(kv.get('€'.repeat(1024))).rejects.toThrow('2045 bytes in UTF-8');
    await expect(kv.set('half \ud800', 1)).rejects.toThrow('well-formed');
  });

  it('refuses keys, TTLs and keeps out of range, and values that are not JSON', async () => {
    // Act & Assess
    await expect(kv.set('', 1)).rejects.toThrow('a kv key must be a well-formed string of 1 to 2045 bytes in UTF-8');
    await expect(kv.set('k', 1, { ttlSeconds: 0 })).rejects.toThrow('ttlSeconds must be an integer from 1 to 31536000');
    await expect(kv.append('k', 1, { keep: 0 })).rejects.toThrow('keep must be an integer from 1 to 1000');
    await expect(kv.set('k', undefined as never)).rejects.toThrow('a kv value must be JSON');
    expect(await kv.list('never-written')).toEqual([]);
  });
});
