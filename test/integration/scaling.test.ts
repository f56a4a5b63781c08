import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { shardOf } from '../../lambdas/core/topics.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asPhoenix, eventsNamed, okReplyFor, type PresencePayload } from '../support/messages.js';
import { queryPartition } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

let table: TestTable;
let topicCounter = 0;
const uniqueTopic = (prefix: string) => `${prefix}:${Date.now().toString(36)}-${(topicCounter += 1)}`;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

async function withClients(ids: readonly string[], options: HarnessOptions = {}): Promise<Harness> {
  const h = createHarness(table, options);
  for (const id of ids) expect((await h.connect(id)).statusCode).toBe(200);
  return h;
}

async function joinAll(h: Harness, ids: readonly string[], topic: string): Promise<void> {
  for (const id of ids) expect((await h.send(id, { action: 'join', topic })).statusCode).toBe(200);
}

const SHARDS = 4;
const shardPartitions = (topic: string) => Array.from({ length: SHARDS }, (_, shard) => `t#${topic}#${shard}`);

describe('scaling', () => {
  describe('sharded topics', () => {
    const options: HarnessOptions = { config: { sharding: [{ pattern: 'big:*', shards: SHARDS }] } };

    it('spreads subscribers over the shard partitions by connection id', async () => {
      // Prepare
      const run = Date.now().toString(36);
      const ids = Array.from({ length: 20 }, (_, i) => `shard-${run}-${i}=`);
      const h = await withClients(ids, options);
      const topic = uniqueTopic('big');

      // Act
      await joinAll(h, ids, topic);

      // Assess
      const perShard = await Promise.all(shardPartitions(topic).map((pk) => queryPartition(table, pk)));
      expect(perShard.flat().map((item) => item.sk).sort()).toEqual([...ids].sort());
      perShard.forEach((items, shard) => {
        for (const item of items) expect(shardOf(String(item.sk), SHARDS)).toBe(shard);
      });
      expect(perShard.filter((items) => items.length > 0).length).toBeGreaterThanOrEqual(2);
      expect(perShard.every((items) => items.length < ids.length)).toBe(true);
      expect(await queryPartition(table, `t#${topic}#${SHARDS}`)).toEqual([]);
    });

    it('reaches every subscriber of every shard with a broadcast and with presence', async () => {
      // Prepare
      const ids = Array.from({ length: 12 }, (_, i) => connectionId(`s${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('big');
      await joinAll(h, ids, topic);
      const last = ids[ids.length - 1] as string;
      const [lastState] = eventsNamed(h.sender.messagesFor(last), 'presence_state');
      h.sender.clear();

      // Act
      const response = await h.send(ids[0] as string, { action: 'push', topic, event: 'shout', payload: { n: 1 }, ref: '1' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
      expect(h.sender.recipients().sort()).toEqual([...ids].sort());
      for (const id of ids) expect(h.sender.messagesFor(id)).toEqual([{ topic, event: 'shout', payload: { n: 1 } }]);
      expect(Object.keys(lastState?.payload as PresencePayload).sort()).toEqual([...ids].sort());
    });

    it('leaves from the right shard', async () => {
      // Prepare
      const ids = Array.from({ length: 6 }, (_, i) => connectionId(`l${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('big');
      await joinAll(h, ids, topic);

      // Act
      for (const id of ids.slice(0, 3)) expect(responseMessages(await h.send(id, { action: 'leave', topic, ref: 'x' }))).toEqual([okReplyFor(topic, 'x')]);

      // Assess
      const remaining = (await Promise.all(shardPartitions(topic).map((pk) => queryPartition(table, pk)))).flat();
      expect(remaining.map((item) => item.sk).sort()).toEqual(ids.slice(3).sort());
    });

    it('keeps unmatched topics on a single partition', async () => {
      // Prepare
      const ids = Array.from({ length: 6 }, (_, i) => connectionId(`u${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('small');

      // Act
      await joinAll(h, ids, topic);

      // Assess
      expect(await queryPartition(table, `t#${topic}#0`)).toHaveLength(ids.length);
    });
  });

  describe('several gateways on one table', () => {
    it('reaches each subscriber through the gateway that owns its connection', async () => {
      // Prepare: two gateways (as two local gateways, or two regions' APIs) share the table
      const east = createHarness(table, { endpoint: 'https://east.example.com/prod' });
      const west = createHarness(table, { endpoint: 'https://west.example.com/prod' });
      const [e1, w1] = [connectionId('east'), connectionId('west')];
      expect((await east.connect(e1)).statusCode).toBe(200);
      expect((await west.connect(w1)).statusCode).toBe(200);
      const topic = uniqueTopic('room');
      await joinAll(east, [e1], topic);
      await joinAll(west, [w1], topic);
      east.sender.clear();

      // Act
      await east.send(e1, { action: 'push', topic, event: 'shout', payload: { from: 'east' } });

      // Assess: one push on the east gateway posts to each connection's own endpoint
      const deliveries = east.sender.attempts.map(({ connectionId: id, endpoint }) => ({ id, endpoint }));
      expect(deliveries).toEqual(
        expect.arrayContaining([
          { id: e1, endpoint: 'https://east.example.com/prod' },
          { id: w1, endpoint: 'https://west.example.com/prod' },
        ]),
      );
      expect(deliveries).toHaveLength(2);
      // The join on west announced w1 to e1 through the east endpoint.
      expect(west.sender.attempts.filter((d) => d.connectionId === e1).map((d) => d.endpoint)).toEqual(['https://east.example.com/prod']);
    });
  });

  describe('fan-out workers', () => {
    const options: HarnessOptions = { fanoutWorker: true, config: { fanout: { workerThreshold: 3, workerBatchSize: 2 }, presenceDisabled: ['quiet:*'] } };

    it('hands a broadcast above the threshold to workers in batches, and every subscriber receives it once', async () => {
      // Prepare
      const ids = Array.from({ length: 5 }, (_, i) => connectionId(`w${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('quiet');
      await joinAll(h, ids, topic);
      h.sender.clear();

      // Act
      const response = await h.send(ids[0] as string, { action: 'push', topic, event: 'shout', payload: { n: 1 }, ref: '1' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '1')]);
      expect(h.dispatched.map((batch) => batch.subscribers.length)).toEqual([2, 2, 1]);
      expect(h.dispatched.every((batch) => batch.topic === topic && batch.message.event === 'shout')).toBe(true);
      expect(h.workerReports.reduce((sum, report) => sum + report.delivered, 0)).toBe(5);
      for (const id of ids) expect(h.sender.messagesFor(id)).toEqual([{ topic, event: 'shout', payload: { n: 1 } }]);
    });

    it('delivers directly when the recipients are at the threshold', async () => {
      // Prepare
      const ids = Array.from({ length: 4 }, (_, i) => connectionId(`t${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('quiet');
      await joinAll(h, ids, topic);
      h.sender.clear();

      // Act: self false leaves 3 recipients, which is not above the threshold of 3
      await h.send(ids[0] as string, { action: 'push', topic, event: 'shout', self: false });

      // Assess
      expect(h.dispatched).toEqual([]);
      expect(h.sender.recipients().sort()).toEqual(ids.slice(1).sort());
    });

    it('reaps a gone subscriber found by a worker', async () => {
      // Prepare
      const ids = Array.from({ length: 5 }, (_, i) => connectionId(`g${i}`));
      const h = await withClients(ids, options);
      const topic = uniqueTopic('quiet');
      await joinAll(h, ids, topic);
      const stale = ids[3] as string;
      h.sender.markGone(stale);

      // Act
      await h.send(ids[0] as string, { action: 'push', topic, event: 'shout' });

      // Assess
      expect(await queryPartition(table, `c#${stale}`)).toEqual([]);
      expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual(ids.filter((id) => id !== stale).sort());
      expect(h.workerReports.flatMap((report) => report.gone)).toEqual([stale]);
    });

    it('sends presence diffs through workers with each V2 subscriber join_ref', async () => {
      // Prepare
      const ids = Array.from({ length: 5 }, (_, i) => connectionId(`p${i}`));
      const h = createHarness(table, options);
      for (const id of ids) expect((await h.connect(id, { query: { vsn: '2.0.0' } })).statusCode).toBe(200);
      const topic = uniqueTopic('room');
      for (const [index, id] of ids.slice(0, 4).entries()) await h.send(id, [`j${index}`, '1', topic, 'phx_join', {}]);
      h.sender.clear();

      // Act: the fifth join announces itself to 4 others, above the threshold of 3
      await h.send(ids[4] as string, ['j4', '1', topic, 'phx_join', {}]);

      // Assess
      expect(h.dispatched.map((batch) => [batch.subscribers.length, batch.withSubscriberJoinRef])).toEqual([
        [2, true],
        [2, true],
      ]);
      for (const [index, id] of ids.slice(0, 4).entries()) {
        const diffs = asPhoenix(h.sender.messagesFor(id)).filter((message) => message[3] === 'presence_diff');
        expect(diffs).toHaveLength(1);
        expect(diffs[0]?.[0]).toBe(`j${index}`);
      }
    });
  });
});
