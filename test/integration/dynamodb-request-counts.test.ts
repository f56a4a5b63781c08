/**
 * What each operation costs in DynamoDB requests, counted on the real client against
 * dynalite. These numbers are part of the design (docs/performance.md): a heartbeat is
 * free, a push is three requests, and nothing ever Scans. Joins, leaves and disconnects
 * pay for the write protocol that keeps races clean (docs/infrastructure.md, "Write
 * protocol"): a claim on the connection item and a check after announcing (join), the
 * connection item closed first and topic rows deleted before connection rows (disconnect).
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

  it('a join costs two UpdateItems (count, claim), two Puts, one Query of the topic and one GetItem (the claim check)', async () => {
    await harness.send('alice', { action: 'join', topic: 'room:count', payload: { meta: { name: 'alice' } }, ref: '2' });
    // Before the write protocol: one Query of the connection, two Puts, one Query of the topic (4).
    // Now the join is counted on the connection item (which returns it: no Query), claims the
    // topic there (the topic limit and the version), and re-reads its claim after announcing.
    expect([...log.names].sort()).toEqual(['GetItemCommand', 'PutItemCommand', 'PutItemCommand', 'QueryCommand', 'UpdateItemCommand', 'UpdateItemCommand']);
  });

  it('a push costs a GetItem, an UpdateItem (rate window) and one Query of the topic', async () => {
    await harness.send('alice', { action: 'push', topic: 'room:count', event: 'shout', ref: '3' });
    expect([...log.names].sort()).toEqual(['GetItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });

  it('a leave costs one UpdateItem (count and release), two Deletes and one Query of the topic (for the presence leave)', async () => {
    await harness.send('alice', { action: 'leave', topic: 'room:count', ref: '4' });
    // Before: the two Deletes and the Query (3). The UpdateItem counts the leave in its rate
    // window and releases the topic (its version) in one conditional write.
    expect([...log.names].sort()).toEqual(['DeleteItemCommand', 'DeleteItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });

  it('a refused leave (not joined) costs two UpdateItems: it is still counted against the rate limit', async () => {
    const response = await harness.send('alice', { action: 'leave', topic: 'room:never', ref: '5' });
    expect(response.body).toContain('not_joined');
    expect([...log.names].sort()).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
  });

  it('a disconnect costs a DeleteItem (the connection item), one Query, two BatchWrites (topic rows; connection rows) and one Query per topic with presence', async () => {
    await harness.disconnect('bob');
    // Before: one Query and one BatchWrite (3 with the leave's Query). The connection item
    // goes first (joins in flight then undo themselves; its old value names the user lookup
    // item), and topic rows go before the connection rows that lead to them.
    expect([...log.names].sort()).toEqual(['BatchWriteItemCommand', 'BatchWriteItemCommand', 'DeleteItemCommand', 'QueryCommand', 'QueryCommand']);
    expect(log.names).not.toContain('ScanCommand');
  });
});
