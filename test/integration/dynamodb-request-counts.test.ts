/**
 * What each operation costs in DynamoDB requests, counted on the real client against
 * dynalite. These numbers are part of the design (docs/performance.md): a heartbeat is
 * free, a join is four requests, and nothing ever Scans.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { createHarness, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let harness: Harness;
let requests: string[] = [];

beforeAll(async () => {
  table = await startTestTable();
  // Count every command the document client sends (the lowest layer the store uses).
  table.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String((context as { commandName?: string }).commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  harness = createHarness(table);
  await harness.connect('alice');
  await harness.connect('bob');
  await harness.send('bob', { action: 'join', topic: 'room:count', ref: '1' });
});

afterAll(async () => {
  await table.stop();
});

beforeEach(() => {
  requests = [];
});

describe('DynamoDB requests per operation', () => {
  it('a heartbeat (native ping and Phoenix heartbeat) costs none', async () => {
    await harness.send('alice', { action: 'ping', ref: '1' });
    await harness.send('alice', [null, '2', 'phoenix', 'heartbeat', {}]);
    expect(requests).toEqual([]);
  });

  it('a join costs one Query of the connection, two Puts and one Query of the topic', async () => {
    await harness.send('alice', { action: 'join', topic: 'room:count', payload: { meta: { name: 'alice' } }, ref: '2' });
    expect(requests.sort()).toEqual(['PutItemCommand', 'PutItemCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('a push costs a GetItem, an UpdateItem (rate window) and one Query of the topic', async () => {
    await harness.send('alice', { action: 'push', topic: 'room:count', event: 'shout', ref: '3' });
    expect(requests.sort()).toEqual(['GetItemCommand', 'QueryCommand', 'UpdateItemCommand']);
  });

  it('a leave costs two Deletes and one Query of the topic (for the presence leave)', async () => {
    await harness.send('alice', { action: 'leave', topic: 'room:count', ref: '4' });
    expect(requests.sort()).toEqual(['DeleteItemCommand', 'DeleteItemCommand', 'QueryCommand']);
  });

  it('a disconnect costs one Query, one BatchWrite per 25 items, and one Query per topic with presence', async () => {
    await harness.disconnect('bob');
    expect(requests.sort()).toEqual(['BatchWriteItemCommand', 'QueryCommand', 'QueryCommand']);
    expect(requests).not.toContain('ScanCommand');
  });
});
