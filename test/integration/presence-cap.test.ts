/**
 * A join into a topic over its presence cap reads a bounded number of members (cap + 1, and a
 * tenth of the cap more for rows held for a reconnect),
 * whatever the topic's size, and the joiner holds an empty presence_state with the last
 * count (docs/phoenix.md, "Presence: a cap, then occupancy"). Real handlers on dynalite;
 * the items each Query returned are counted on the document client. Then what the
 * window's reader (the presence function's use case) sends a capped topic's members.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TopicItemChange } from '../../lambdas/core/presence-changes.js';
import { presenceStreamReaders } from '../../lambdas/core/presence-readers.js';
import type { SubscriptionRecord } from '../../lambdas/core/ports.js';
import { announcePresenceChanges } from '../../lambdas/core/use-cases/announce-presence-changes.js';
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
  it('reads at most cap + 1 members (and a tenth more, for rows held for a reconnect) of a topic of 30 and gives the joiner an empty state', async () => {
    // Act
    await harness.send('joiner', { action: 'join', topic: CROWD, payload: { meta: { name: 'j' } }, ref: '2' });

    // Assess: the one Query of the topic returned cap + 1 + a tenth of the cap items, not 31
    expect(log.count('QueryCommand')).toBe(1);
    expect(itemsRead).toEqual([CAP + 1 + Math.ceil(CAP / 10)]);
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
    // Prepare: a reader counted the topic (settling the capped joins so far, as a reader that read them does)
    const settledCappedJoins = (await harness.deps.store.readOccupancy(CROWD))?.cappedJoins ?? 0;
    await harness.deps.store.writeOccupancy(CROWD, { subscribers: 31, presence: 31, capped: true, countedAt: Date.now(), settledCappedJoins }, Math.floor(Date.now() / 1000) + 600);
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

describe('a capped topic after a window', () => {
  const WINDOW_TOPIC = 'crowd:window';
  let members: SubscriptionRecord[] = [];

  beforeAll(async () => {
    // Five members of a topic capped at 5 - 2 = 3: m0..m4 (their joins are coalesced: nothing was posted for them)
    for (let i = 0; i < 5; i += 1) {
      await harness.connect(`w${i}`);
      await harness.send(`w${i}`, { action: 'join', topic: WINDOW_TOPIC, ref: '1' });
    }
    for await (const page of harness.deps.store.listSubscribers(WINDOW_TOPIC, 1, 'presence')) members.push(...page);
    members = [...members].sort((a, b) => a.connectionId.localeCompare(b.connectionId));
  });

  const joinsOf = (ids: readonly string[]): TopicItemChange[] =>
    members
      .filter((m) => ids.includes(m.connectionId))
      .map((m, i) => ({ topic: WINDOW_TOPIC, connectionId: m.connectionId, before: null, after: { key: m.presenceKey as string, meta: m.meta! }, expired: false, sequenceNumber: String(100 + i) }));

  async function announce(config: Parameters<typeof createHarness>[1], changes: TopicItemChange[]) {
    const capped = createHarness(table, config);
    const [reader] = presenceStreamReaders(capped.config.presence);
    // Members were last told the topic is capped
    const settledCappedJoins = (await capped.deps.store.readOccupancy(WINDOW_TOPIC))?.cappedJoins ?? 0;
    await capped.deps.store.writeOccupancy(WINDOW_TOPIC, { subscribers: 4, presence: 4, capped: true, countedAt: Date.now() - 1000, settledCappedJoins }, Math.floor(Date.now() / 1000) + 600);
    await announcePresenceChanges(capped.deps, reader!, changes);
    return (id: string) => (capped.sender.messagesFor(id) as { event: string; payload: unknown }[]).map((m) => m.event);
  }

  it('sends only the count when every joiner of the window found the topic over its cap', async () => {
    // Act: one join in the window; the topic held 4 > 3 before it
    const eventsOf = await announce({ config: { presence: { topics: [{ pattern: 'crowd:*', maxMembers: 3 }] } } }, joinsOf(['w4']));

    // Assess
    for (const id of ['w0', 'w1', 'w2', 'w3', 'w4']) expect(eventsOf(id), id).toEqual(['presence_occupancy']);
  });

  it('resets the joiners that may have found the topic at its cap, then counts for everyone', async () => {
    // Act: two joins in the window; before them the topic held 3, the cap: the first joiner may have got the whole state
    const eventsOf = await announce({ config: { presence: { topics: [{ pattern: 'crowd:*', maxMembers: 3 }] } } }, joinsOf(['w3', 'w4']));

    // Assess: the window's joiners drop what they may hold, everyone hears the count
    for (const id of ['w3', 'w4']) expect(eventsOf(id), id).toEqual(['presence_state', 'presence_occupancy']);
    for (const id of ['w0', 'w1', 'w2']) expect(eventsOf(id), id).toEqual(['presence_occupancy']);
  });
});
