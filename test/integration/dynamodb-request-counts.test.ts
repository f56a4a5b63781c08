/**
 * What each operation costs in DynamoDB requests, counted on the real client against
 * dynalite. These numbers are part of the design (docs/performance.md): a heartbeat is
 * free, a join is four requests, and nothing ever Scans.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { createHarness, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let harness: Harness;
let log: RequestLog;

beforeAll(async () => {
  table = await startTestTable();
  // Count every command the document client sends (the lowest layer the store uses).
  log = recordRequests(table.documentClient);
  harness = createHarness(table);
  await harness.connect('alice');
  await harness.connect('bob');
  await harness.send('bob', { action: 'join', topic: 'room:count', ref: '1' });
});

afterAll(async () => {
  await table.stop();
});

beforeEach(() => {
  log.clear();
});

describe('DynamoDB requests per operation', () => {
  it('a heartbeat (native ping and Phoenix heartbeat) costs none', async () => {
    await harness.send('alice', { action: 'ping', ref: '1' });
    await harness.send('alice', [null, '2', 'phoenix', 'heartbeat', {}]);
    expect(log.names).toEqual([]);
  });

  it('a join costs one Query of the connection, two Puts and one Query of the topic', async () => {
    await harness.send('alice', { action: 'join', topic: 'room:count', payload: { meta: { name: 'alice' } }, ref: '2' });
    expect([...log.names].sort()).toEqual(['PutItemCommand', 'PutItemCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('a push costs a GetItem, an UpdateItem (rate window) and one Query of the topic', async () => {
    await harness.send('alice', { action: 'push', topic: 'room:count', event: 'shout', ref: '3' });
    expect([...log.names].sort()).toEqual(['GetItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });

  it('a leave costs two Deletes and one Query of the topic (for the presence leave)', async () => {
    await harness.send('alice', { action: 'leave', topic: 'room:count', ref: '4' });
    expect([...log.names].sort()).toEqual(['DeleteItemCommand', 'DeleteItemCommand', 'QueryCommand']);
  });

  it('a disconnect costs one Query, one BatchWrite per 25 items, and one Query per topic with presence', async () => {
    await harness.disconnect('bob');
    expect([...log.names].sort()).toEqual(['BatchWriteItemCommand', 'QueryCommand', 'QueryCommand']);
    expect(log.names).not.toContain('ScanCommand');
  });
});
