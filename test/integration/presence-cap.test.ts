/**
 * A join into a topic over its presence cap reads a bounded number of members (cap + 1),
 * whatever the topic's size, and the joiner holds an empty presence_state with the last
 * count (docs/phoenix.md, "Presence: a cap, then occupancy"). Real handlers on dynalite;
 * the items each Query returned are counted on the document client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { createHarness, type Harness } from '../support/topicast-harness.js';

const CAP = 5;
const CROWD = 'crowd:big';
const SMALL = 'room:small';
let table: TestTable;
let harness: Harness;
let log: RequestLog;
const itemsRead: number[] = [];

beforeAll(async () => {
  table = await startTestTable();
  log = recordRequests(table.documentClient);
  table.documentClient.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Count?: number; Items?: unknown[] };
      if (Array.isArray(output.Items)) itemsRead.push(output.Count ?? output.Items.length);
      return result;
    },
    { step: 'initialize', name: 'countItemsRead' },
  );
  harness = createHarness(table, { config: { presence: { windowMs: 1000, topics: [{ pattern: 'crowd:*', maxMembers: CAP }] } } });
  for (let i = 0; i < 30; i += 1) {
    await harness.connect(`m${i}`);
    await harness.send(`m${i}`, { action: 'join', topic: CROWD, payload: { meta: { i } }, ref: '1' });
  }
  await harness.connect('small');
  await harness.send('small', { action: 'join', topic: SMALL, ref: '1' });
  await harness.connect('joiner');
});

afterAll(async () => {
  await table.stop();
});

beforeEach(() => {
  log.clear();
  itemsRead.length = 0;
  harness.sender.clear();
});

describe('presence cap on join', () => {
  it('reads at most cap + 1 members of a topic of 30 and gives the joiner an empty state', async () => {
    // Act
    await harness.send('joiner', { action: 'join', topic: CROWD, payload: { meta: { name: 'j' } }, ref: '2' });

    // Assess: the one Query of the topic returned cap + 1 items, not 31
    expect(log.count('QueryCommand')).toBe(1);
    expect(itemsRead).toEqual([CAP + 1]);
    // Assess: the join noted the cap on the occupancy item (one UpdateItem more than an uncapped join)
    expect(log.count('UpdateItemCommand')).toBe(3);
    // Assess: reply, then an empty presence_state; no count yet, as no window has counted this topic
    const frames = harness.sender.messagesFor('joiner') as { event: string; payload: unknown }[];
    expect(frames.map((f) => f.event)).toEqual(['phx_reply', 'presence_state']);
    expect(frames[1]?.payload).toEqual({});
    // Assess: nobody else was posted to (the join is coalesced)
    expect(harness.sender.recipients()).toEqual(['joiner']);
  });

  it('hands the joiner the last count a window wrote, at once', async () => {
    // Prepare: a reader counted the topic
    await harness.deps.store.writeOccupancy(CROWD, { subscribers: 31, presence: 31, capped: true, countedAt: Date.now() }, Math.floor(Date.now() / 1000) + 600);
    await harness.connect('late');

    // Act
    await harness.send('late', { action: 'join', topic: CROWD, ref: '2' });

    // Assess
    const frames = harness.sender.messagesFor('late') as { event: string; payload: unknown }[];
    expect(frames.map((f) => f.event)).toEqual(['phx_reply', 'presence_state', 'presence_occupancy']);
    expect(frames[2]?.payload).toEqual({ subscribers: 31, presence: 31 });
  });

  it('leaves a topic under the default cap as it was: the whole state, no occupancy item touched', async () => {
    // Act
    await harness.send('joiner', { action: 'join', topic: SMALL, ref: '3' });

    // Assess
    expect(log.count('UpdateItemCommand')).toBe(2);
    const frames = harness.sender.messagesFor('joiner') as { event: string; payload: Record<string, unknown> }[];
    expect(frames.map((f) => f.event)).toEqual(['phx_reply', 'presence_state']);
    expect(Object.keys(frames[1]?.payload ?? {}).sort()).toEqual(['joiner', 'small']);
  });
});
