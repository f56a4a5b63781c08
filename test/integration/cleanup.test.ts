import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Presence } from 'phoenix';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asNative, eventsNamed, okReplyFor, type PresenceDiffPayload, type PresencePayload } from '../support/messages.js';
import { getItem, itemsOfConnection, queryPartition, scanTable } from '../support/table-items.js';
import { connectionId, responseMessages, withConnectedClients, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

let table: TestTable;
let topicCounter = 0;
const uniqueTopic = (prefix = 'room') => `${prefix}:${Date.now().toString(36)}-cleanup-${(topicCounter += 1)}`;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

const withClients = (count: number, options: HarnessOptions = {}) => withConnectedClients(table, count, options);

/** alice and `stale` are on a topic, `stale`'s socket is gone (410), and carol joins it. */
async function joinBesideStaleSubscriber(): Promise<{ h: Harness; alice: string; stale: string; carol: string; topic: string }> {
  const { h, ids } = await withClients(3);
  const [alice, stale, carol] = ids as [string, string, string];
  const topic = uniqueTopic();
  await join(h, alice, topic);
  await join(h, stale, topic);
  h.sender.markGone(stale);
  h.sender.clear();
  await h.send(carol, { action: 'join', topic, ref: '1' });
  return { h, alice, stale, carol, topic };
}

/** Joins and returns the meta the joiner was given (from its own presence_state). */
async function join(h: Harness, id: string, topic: string, meta: Record<string, unknown> = {}): Promise<PresencePayload[string]['metas'][number] | undefined> {
  const before = h.sender.framesFor(id).length;
  await h.send(id, { action: 'join', topic, payload: { meta } });
  const state = eventsNamed(h.sender.messagesFor(id).slice(before), 'presence_state')[0];
  return (state?.payload as PresencePayload | undefined)?.[id]?.metas.find((m) => Object.entries(meta).every(([k, v]) => m[k] === v));
}

const sortByKeys = (items: Record<string, unknown>[]) => [...items].sort((a, b) => `${String(a.pk)} ${String(a.sk)}`.localeCompare(`${String(b.pk)} ${String(b.sk)}`));

describe('cleanup', () => {
  describe('stale connections', () => {
    it('removes a subscriber that answers 410 during a push and tells the others it left; the sender is untouched', async () => {
      // Prepare
      const { h, ids } = await withClients(4);
      const [alice, bob, stale, dave] = ids as [string, string, string, string];
      const topic = uniqueTopic();
      const otherTopic = uniqueTopic();
      await join(h, alice, topic);
      await join(h, bob, topic);
      const staleMeta = await join(h, stale, topic, { name: 'stale' });
      const staleOtherMeta = await join(h, stale, otherTopic, { name: 'stale-2' });
      await join(h, dave, otherTopic);
      const aliceItemsBefore = await queryPartition(table, `c#${alice}`);
      h.sender.markGone(stale);
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'shout', payload: { n: 1 }, ref: '1' });

      // Assess: the pusher gets its ok and its own broadcast
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
      expect(eventsNamed(h.sender.messagesFor(alice), 'shout')).toHaveLength(1);

      // Assess: every item of the stale connection is gone
      expect(await queryPartition(table, `c#${stale}`)).toEqual([]);
      expect(await itemsOfConnection(table, stale)).toEqual([]);
      expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual([alice, bob].sort());

      // Assess: the others on each of its topics receive its leave
      const expectedLeave = (meta: unknown) => ({ joins: {}, leaves: { [stale]: { metas: [meta] } } });
      for (const id of [alice, bob]) {
        expect(eventsNamed(h.sender.messagesFor(id), 'presence_diff').map((m) => m.payload)).toEqual([expectedLeave(staleMeta)]);
      }
      expect(eventsNamed(h.sender.messagesFor(dave), 'presence_diff').map((m) => m.payload)).toEqual([expectedLeave(staleOtherMeta)]);

      // Assess: the sender's own items are all still there (plus its rate-limit counter)
      const aliceItemsAfter = await queryPartition(table, `c#${alice}`);
      expect(sortByKeys(aliceItemsAfter.filter((item) => !String(item.sk).startsWith('r#')))).toEqual(sortByKeys(aliceItemsBefore));
      expect(await getItem(table, { pk: `t#${topic}#0`, sk: alice })).toBeDefined();
    });

    it('removes a subscriber found gone while announcing a join', async () => {
      // Prepare and Act: carol joins a topic where `stale` answers 410
      const { h, alice, stale, carol, topic } = await joinBesideStaleSubscriber();

      // Assess
      expect(await queryPartition(table, `c#${stale}`)).toEqual([]);
      expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual([alice, carol].sort());
      const aliceDiffs = eventsNamed(h.sender.messagesFor(alice), 'presence_diff').map((m) => m.payload as PresenceDiffPayload);
      expect(aliceDiffs.some((diff) => Object.keys(diff.leaves).includes(stale))).toBe(true);
    });

    // DESIGN.md: the joiner receives its reply, then presence_state; the handler posts them
    // "so the client sees the reply first". A stale subscriber met while announcing the join
    // must not reach the joiner as a leave before that reply, nor stay in its presence.
    it('gives the joiner its reply first and no stale presence when a subscriber is found gone during the join', async () => {
      // Prepare and Act: carol joins a topic where `stale` answers 410
      const { h, alice, carol, topic } = await joinBesideStaleSubscriber();

      // Assess: the first thing carol hears on the topic is her reply
      const carolMessages = asNative(h.sender.messagesFor(carol));
      expect(carolMessages[0]).toEqual(okReplyFor(topic, '1'));

      // Assess: applying what carol received, in order, leaves alice and carol present
      let state: object = {};
      for (const message of carolMessages) {
        if (message.event === 'presence_state') state = Presence.syncState(state, message.payload as object);
        if (message.event === 'presence_diff') state = Presence.syncDiff(state, message.payload as PresenceDiffPayload);
      }
      expect(Object.keys(state).sort()).toEqual([alice, carol].sort());
    });

    it('keeps a subscriber whose delivery failed for another reason than 410', async () => {
      // Prepare
      const { h, ids } = await withClients(2);
      const [alice, flaky] = ids as [string, string];
      const topic = uniqueTopic();
      await join(h, alice, topic);
      await join(h, flaky, topic);
      h.sender.markFailing(flaky);

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'shout', ref: '1' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
      expect(await getItem(table, { pk: `t#${topic}#0`, sk: flaky })).toBeDefined();
      expect(await getItem(table, { pk: `c#${flaky}`, sk: 'c' })).toBeDefined();
      expect(h.logger.entries.some((entry) => entry.level === 'warn' && entry.message.includes('failed'))).toBe(true);
    });
  });

  describe('disconnect', () => {
    it('removes every item of the connection and announces its leaves on each topic', async () => {
      // Prepare
      // Every push writes its rate counter (r#): the disconnect must remove that item too.
      const { h, ids } = await withClients(2, { config: { limits: { pushesPerCounterWrite: 1 } } });
      const [alice, bob] = ids as [string, string];
      const [first, second] = [uniqueTopic(), uniqueTopic()];
      const firstMeta = await join(h, alice, first, { t: 1 });
      const secondMeta = await join(h, alice, second, { t: 2 });
      await join(h, bob, first);
      await join(h, bob, second);
      await h.send(alice, { action: 'push', topic: first, event: 'shout' });
      const skKinds = (await queryPartition(table, `c#${alice}`)).map((item) => String(item.sk).slice(0, 2)).sort();
      expect(skKinds).toEqual(['c', 'r#', 's#', 's#']);
      h.sender.clear();

      // Act
      const response = await h.disconnect(alice);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(await itemsOfConnection(table, alice)).toEqual([]);
      expect(await queryPartition(table, `c#${alice}`)).toEqual([]);
      const bobDiffs = eventsNamed(h.sender.messagesFor(bob), 'presence_diff');
      expect(bobDiffs).toHaveLength(2);
      expect(bobDiffs).toEqual(
        expect.arrayContaining([
          { topic: first, event: 'presence_diff', payload: { joins: {}, leaves: { [alice]: { metas: [firstMeta] } } } },
          { topic: second, event: 'presence_diff', payload: { joins: {}, leaves: { [alice]: { metas: [secondMeta] } } } },
        ]),
      );
      expect(h.sender.framesFor(alice)).toEqual([]);
      expect(await queryPartition(table, `c#${bob}`)).toHaveLength(3);
    });

    it('removes more items than one BatchWriteItem takes (25)', async () => {
      // Prepare: 1 connection item + 30 topics on each side = 61 deletes
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topics = Array.from({ length: 30 }, () => uniqueTopic('many'));
      for (const topic of topics) await h.send(alice, { action: 'join', topic });
      expect(await queryPartition(table, `c#${alice}`)).toHaveLength(31);

      // Act
      const response = await h.disconnect(alice);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(await itemsOfConnection(table, alice)).toEqual([]);
      expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    });

    it('is harmless for a connection that is unknown or already cleaned up', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      await h.disconnect(alice);

      // Act
      const again = await h.disconnect(alice);
      const unknown = await h.disconnect(connectionId('unknown'));

      // Assess
      expect(again.statusCode).toBe(200);
      expect(unknown.statusCode).toBe(200);
      expect(h.sender.attempts).toEqual([]);
      expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    });

    it('needs no leave when the connection had joined nothing', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];

      // Act
      await h.disconnect(alice);

      // Assess
      expect(await queryPartition(table, `c#${alice}`)).toEqual([]);
      expect(h.sender.attempts).toEqual([]);
    });

    it('cleans a sharded subscription from the right shard', async () => {
      // Prepare
      const { h, ids } = await withClients(6, { config: { sharding: [{ pattern: 'big:*', shards: 4 }] } });
      const topic = uniqueTopic('big');
      for (const id of ids) await join(h, id, topic);

      // Act
      for (const id of ids.slice(0, 3)) await h.disconnect(id);

      // Assess
      const remaining = (await Promise.all([0, 1, 2, 3].map((shard) => queryPartition(table, `t#${topic}#${shard}`)))).flat();
      expect(remaining.map((item) => item.sk).sort()).toEqual(ids.slice(3).sort());
    });
  });

  describe('time to live', () => {
    it('gives every item written an expiresAt in epoch seconds, within the connection TTL', async () => {
      // Prepare
      const { h, ids } = await withClients(3, { config: { sharding: [{ pattern: 'big:*', shards: 2 }] } });
      const [alice, bob, carol] = ids as [string, string, string];
      const topic = uniqueTopic();
      const big = uniqueTopic('big');
      const nowSeconds = Math.floor(Date.now() / 1000);

      // Act: every kind of write
      await join(h, alice, topic, { a: 1 });
      await join(h, bob, topic);
      await join(h, alice, topic, { a: 2 });
      await join(h, carol, big);
      await h.send(alice, { action: 'push', topic, event: 'e' });
      await h.send(bob, { action: 'leave', topic });
      await join(h, bob, big);

      // Assess: a Scan is fine in a test
      const items = await scanTable(table);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(typeof item.expiresAt, JSON.stringify(item)).toBe('number');
        expect(Number.isInteger(item.expiresAt)).toBe(true);
        expect(item.expiresAt as number).toBeGreaterThan(nowSeconds);
        expect(item.expiresAt as number).toBeLessThanOrEqual(nowSeconds + h.config.connectionTtlSeconds + 60);
      }
    });

    it('lets subscriptions expire with their connection', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      await join(h, alice, topic);

      // Assess
      const connection = await getItem(table, { pk: `c#${alice}`, sk: 'c' });
      const connectionSide = await getItem(table, { pk: `c#${alice}`, sk: `s#${topic}` });
      const topicSide = await getItem(table, { pk: `t#${topic}#0`, sk: alice });
      expect(connectionSide?.expiresAt).toBe(connection?.expiresAt);
      expect(topicSide?.expiresAt).toBe(connection?.expiresAt);
    });
  });
});
