/**
 * What each operation costs in DynamoDB requests, counted on the real client against
 * dynalite. These numbers are part of the design (docs/performance.md): a heartbeat is
 * free, a push is two requests (and a rate-counter write every tenth), and nothing ever Scans. Joins, leaves and disconnects
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
  // One instant: every push of this file falls in one rate window.
  const startedAt = Date.now();
  harness = createHarness(table, { clock: { nowMs: () => startedAt } });
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

  it('a push costs an eventually consistent GetItem (joined?) and one strongly consistent Query of the topic', async () => {
    await harness.send('alice', { action: 'push', topic: 'room:count', event: 'shout', ref: '3' });
    // Before: the GetItem was strongly consistent, and every push wrote its rate window (UpdateItem).
    expect([...log.names].sort()).toEqual(['GetItemCommand', 'QueryCommand']);
    expect(log.requests.find(({ name }) => name === 'GetItemCommand')?.input.ConsistentRead).toBe(false);
    expect(log.requests.find(({ name }) => name === 'QueryCommand')?.input.ConsistentRead).toBe(true);
  });

  it('the rate counter is written once every pushesPerCounterWrite (10) pushes, with ref or without', async () => {
    // The push above was the first of the window: the 10th and the 20th write the counter.
    for (let n = 0; n < 19; n += 1) await harness.send('alice', { action: 'push', topic: 'room:count', event: 'shout', ...(n % 2 === 0 ? { ref: `p${n}` } : {}) });
    expect(log.count('GetItemCommand')).toBe(19);
    expect(log.count('QueryCommand')).toBe(19);
    const writes = log.requests.filter(({ name }) => name === 'UpdateItemCommand');
    expect(writes.map(({ input }) => input.ExpressionAttributeValues)).toEqual([expect.objectContaining({ ':count': 10 }), expect.objectContaining({ ':count': 10 })]);
    // The first write goes with the window's 10th push (the 9th of this loop).
    expect(log.names.slice(0, log.names.indexOf('UpdateItemCommand')).filter((name) => name === 'GetItemCommand')).toHaveLength(9);
  });

  it('a push to a topic not joined reads its membership again, strongly, before refusing: two GetItems, no Query', async () => {
    const response = await harness.send('alice', { action: 'push', topic: 'room:never', event: 'shout', ref: '6' });
    expect(response.body).toContain('not_joined');
    expect(log.requests.map(({ name, input }) => [name, input.ConsistentRead])).toEqual([
      ['GetItemCommand', false],
      ['GetItemCommand', true],
    ]);
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

  it('on topics whose channel module has a leave, a disconnect deletes each connection row with its own DeleteItem instead of the batch (k topics: 3 + 2k)', async () => {
    // Prepare: two topics of a module with a leave, joined by a connection with no other items
    const withModule = createHarness(table, { channels: [{ topic: 'seat:*', leave: () => {} }] });
    await withModule.connect('carol');
    await withModule.send('carol', { action: 'join', topic: 'seat:a', ref: '1' });
    await withModule.send('carol', { action: 'join', topic: 'seat:b', ref: '2' });
    log.clear();

    // Act
    await withModule.disconnect('carol');

    // Assess: close, read, one batch of topic rows, a DeleteItem per connection row (whichever
    // request returns the row runs the module's leave, so a join undoing itself cannot run it twice),
    // and the presence Query of each topic
    expect([...log.names].sort()).toEqual(['BatchWriteItemCommand', 'DeleteItemCommand', 'DeleteItemCommand', 'DeleteItemCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('a leave over the join/leave rate limit costs what any leave costs: it is counted, never refused', async () => {
    // Prepare: dave's window is used up
    const limited = createHarness(table, { config: { limits: { maxJoinsPerWindow: 2 } } });
    await limited.connect('dave');
    await limited.send('dave', { action: 'join', topic: 'room:count', ref: '1' });
    await limited.send('dave', { action: 'join', topic: 'room:count-2', ref: '2' });
    log.clear();

    // Act
    const response = await limited.send('dave', { action: 'leave', topic: 'room:count', ref: '3' });

    // Assess
    expect(response.body).toContain('"ok"');
    expect([...log.names].sort()).toEqual(['DeleteItemCommand', 'DeleteItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });
});
