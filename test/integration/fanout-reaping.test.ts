/**
 * Connections found gone (410) during a fan-out are removed in one batched pass: a Query
 * per connection, then their deletes share 25-item BatchWriteItem calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { eventsNamed, type PresenceDiffPayload } from '../support/messages.js';
import { itemsOfConnection, queryPartition } from '../support/table-items.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { connectionId, createHarness, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let requests: RequestLog;

beforeAll(async () => {
  table = await startTestTable();
  requests = recordRequests(table.documentClient);
});

afterAll(async () => {
  await table?.stop();
});

beforeEach(() => {
  requests.clear();
});

async function subscribed(h: Harness, count: number, topic: string, label: string): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => connectionId(`${label}${i}`));
  for (const id of ids) {
    expect((await h.connect(id)).statusCode).toBe(200);
    expect((await h.send(id, { action: 'join', topic, payload: { meta: { n: id } } })).statusCode).toBe(200);
  }
  return ids;
}

const count = (name: string) => requests.count(name);

describe('reaping gone subscribers after a fan-out', () => {
  it('removes 60 gone connections with one Query each and shared 25-item batches, and announces their leaves once', async () => {
    // Prepare
    const h = createHarness(table);
    const topic = `room:reap-${Date.now().toString(36)}`;
    const live = await subscribed(h, 5, topic, 'live');
    const gone = await subscribed(h, 60, topic, 'gone');
    h.sender.markGone(...gone);
    h.sender.clear();
    requests.clear();

    // Act
    const response = await h.send(live[0] as string, { action: 'push', topic, event: 'shout', payload: {}, ref: '1' });
    const during = [...requests.names];

    // Assess: every item of every gone connection is deleted, the live ones stay
    expect(response.statusCode).toBe(200);
    for (const id of gone) expect(await itemsOfConnection(table, id)).toEqual([]);
    expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual([...live].sort());

    // Assess: each connection item is deleted on its own first (closing it to racing joins; its
    // old value names the user lookup item), then the 60 topic rows and the 60 connection rows
    // in ceil(60 / 25) = 3 BatchWriteItem calls each, topic rows first, instead of 120 deletes
    expect(during.filter((r) => r === 'BatchWriteItemCommand')).toHaveLength(6);
    expect(during.filter((r) => r === 'DeleteItemCommand')).toHaveLength(60);
    // one Query of the topic for the push, one per gone connection, one of the topic for the leaves
    expect(during.filter((r) => r === 'QueryCommand')).toHaveLength(1 + 60 + 1);

    // Assess: the live subscribers hear one presence_diff with all 60 leaves
    const diffs = eventsNamed(h.sender.messagesFor(live[1] as string), 'presence_diff');
    expect(diffs).toHaveLength(1);
    expect(Object.keys((diffs[0]?.payload as PresenceDiffPayload).leaves).sort()).toEqual([...gone].sort());
  });

  it('reaps the gone connections a fan-out worker found, in the same batched way', async () => {
    // Prepare
    const h = createHarness(table, { fanoutWorker: true, config: { fanout: { workerThreshold: 10, workerBatchSize: 20 }, presenceDisabled: ['big:*'] } });
    const topic = `big:reap-${Date.now().toString(36)}`;
    const live = await subscribed(h, 4, topic, 'live');
    const gone = await subscribed(h, 30, topic, 'gone');
    h.sender.markGone(...gone);
    requests.clear();

    // Act
    await h.send(live[0] as string, { action: 'push', topic, event: 'shout', payload: {}, ref: '1' });
    const batches = count('BatchWriteItemCommand');

    // Assess
    expect(h.dispatched).toHaveLength(2);
    expect(h.workerReports.map((report) => report.gone.length).reduce((a, b) => a + b, 0)).toBe(30);
    for (const id of gone) expect(await itemsOfConnection(table, id)).toEqual([]);
    expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual([...live].sort());
    // Two workers of at most 20 subscribers, each deleting its gone ones' topic rows, then
    // their connection rows, in one batch each
    expect(batches).toBe(4);
  });
});
