/**
 * History and replay through the real handlers and a real table: seq on every broadcast
 * of a history topic (pushes, channel broadcasts, server publishes), replay on join before
 * the reply, retention by count and by TTL, the race between a join and live broadcasts,
 * and what each costs in DynamoDB requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoUserConnections } from '../../lambdas/adapters/dynamodb/user-connections.js';
import { SdkConnectionCloser } from '../../lambdas/adapters/management-api/sdk-connection-closer.js';
import type { Clock } from '../../lambdas/core/ports.js';
import { ServerOperations } from '../../lambdas/core/use-cases/server-operations.js';
import { defineChannel } from '../../channel/index.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asNative, asPhoenix, errorReplyFor, type NativeMessage } from '../support/messages.js';
import { recordRequests, type RequestLog } from '../support/request-log.js';
import { withConnectedClients, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

let table: TestTable;
let log: RequestLog;
let topicCounter = 0;
const uniqueTopic = (prefix = 'room') => `${prefix}:${Date.now().toString(36)}-${(topicCounter += 1)}`;
const HISTORY = { 'room:*': { maxMessages: 5, ttlSeconds: 600 } };

beforeAll(async () => {
  table = await startTestTable();
  // Counts every command the document client sends (the lowest layer the adapters use).
  log = recordRequests(table.documentClient);
});

afterAll(async () => {
  await table?.stop();
});

const withClients = (count: number, options: HarnessOptions = {}) => withConnectedClients(table, count, { config: { history: HISTORY }, ...options });

function operations(h: Harness): ServerOperations {
  const closer = new SdkConnectionCloser((endpoint) => new ApiGatewayManagementApiClient({ endpoint }), 1000);
  return new ServerOperations({ ...h.deps, closer, users: new DynamoUserConnections(table.documentClient, table.tableName) });
}

/** What `more` sent beyond `base` (multisets of command names), sorted. */
function extra(more: readonly string[], base: readonly string[]): string[] {
  const left = [...base];
  return more.filter((name) => {
    const index = left.indexOf(name);
    if (index < 0) return true;
    left.splice(index, 1);
    return false;
  }).sort();
}

const broadcastsOf = (h: Harness, id: string, event = 'shout') => asNative(h.sender.messagesFor(id)).filter((m) => m.event === event) as (NativeMessage & { seq: number })[];

describe('history', () => {
  describe('seq', () => {
    it('numbers pushes, server publishes and channel broadcasts of a topic with one counter, consecutively', async () => {
      const { h, ids } = await withClients(2, {
        channels: [
          defineChannel({
            topic: 'room:modules:*',
            async handleIn(event, payload, socket) {
              await socket.broadcast(event, { echoed: payload });
              return { noreply: true };
            },
          }),
        ],
      });
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic('room:modules');
      await h.send(alice, { action: 'join', topic, ref: '1' });
      await h.send(bob, { action: 'join', topic, ref: '1' });

      await h.send(alice, { action: 'push', topic, event: 'shout', payload: { n: 1 }, ref: '2' });
      const published = await operations(h).publish(topic, 'shout', { n: 2 });
      await h.send(bob, { action: 'push', topic, event: 'shout', payload: { n: 3 }, ref: '3' });

      const seen = broadcastsOf(h, bob);
      expect(seen.map((m) => m.payload)).toEqual([{ echoed: { n: 1 } }, { n: 2 }, { echoed: { n: 3 } }]);
      const [first] = seen.map((m) => m.seq) as [number];
      expect(seen.map((m) => m.seq)).toEqual([first, first + 1, first + 2]);
      expect(published.seq).toBe(first + 1);
      expect(broadcastsOf(h, alice).map((m) => m.seq)).toEqual([first, first + 1, first + 2]);
    });

    it('leaves topics without history as they were: no seq, no history request', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic('chat');
      await h.send(alice, { action: 'join', topic, payload: { since: 3 }, ref: '1' });
      log.clear();
      await h.send(alice, { action: 'push', topic, event: 'shout', payload: {}, ref: '2' });

      expect(broadcastsOf(h, alice)).toEqual([{ topic, event: 'shout', payload: {} }]);
      expect(log.names).not.toContain('PutItemCommand');
      expect(asNative(h.sender.messagesFor(alice))[0]).toMatchObject({ event: 'phx_reply', payload: { status: 'ok', response: {} } });
    });

    it('hands out distinct seqs to concurrent publishers, every one delivered', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      await h.send(alice, { action: 'join', topic, ref: '1' });

      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => operations(h).publish(topic, 'shout', { n })));

      const seqs = results.map((r) => r.seq as number).sort((a, b) => a - b);
      expect(new Set(seqs).size).toBe(20);
      expect(seqs[19]! - seqs[0]!).toBe(19);
      expect(broadcastsOf(h, alice).map((m) => m.seq).sort((a, b) => a - b)).toEqual(seqs);
    });
  });

  describe('replay on join', () => {
    it('sends every retained message after since in order, then the reply with what was replayed, then presence_state', async () => {
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await h.send(alice, { action: 'join', topic, ref: '1' });
      for (let n = 1; n <= 4; n += 1) await h.send(alice, { action: 'push', topic, event: 'shout', payload: { n }, ref: `p${n}` });
      const seqs = broadcastsOf(h, alice).map((m) => m.seq);

      await h.send(bob, { action: 'join', topic, payload: { since: seqs[0] }, ref: 'j' });

      const received = asNative(h.sender.messagesFor(bob));
      expect(received.map((m) => m.event)).toEqual(['shout', 'shout', 'shout', 'phx_reply', 'presence_state']);
      expect(received.slice(0, 3)).toEqual([2, 3, 4].map((n, i) => ({ topic, event: 'shout', payload: { n }, seq: seqs[i + 1] })));
      expect(received[3]).toEqual({ topic, event: 'phx_reply', ref: 'j', payload: { status: 'ok', response: { replayed: 3, truncated: false, seq: seqs[3] } } });
    });

    it('answers the current seq and replays nothing for a join without since, or one that is up to date', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      await h.send(alice, { action: 'join', topic, ref: '1' });
      expect(asNative(h.sender.messagesFor(alice))[0]?.payload).toEqual({ status: 'ok', response: { replayed: 0, truncated: false, seq: 0 } });
      const { seq } = await operations(h).publish(topic, 'shout', {});

      h.sender.clear();
      await h.send(alice, { action: 'join', topic, payload: { since: seq }, ref: '2' });

      expect(asNative(h.sender.messagesFor(alice)).map((m) => m.event)).toEqual(['phx_reply', 'presence_state']);
      expect(asNative(h.sender.messagesFor(alice))[0]?.payload).toEqual({ status: 'ok', response: { replayed: 0, truncated: false, seq } });
    });

    it('replays only the last maxMessages and says the gap was cut short', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      const seqs: number[] = [];
      for (let n = 1; n <= 8; n += 1) seqs.push((await operations(h).publish(topic, 'shout', { n })).seq as number);

      await h.send(alice, { action: 'join', topic, payload: { since: seqs[0] }, ref: 'j' });

      const received = asNative(h.sender.messagesFor(alice));
      expect(broadcastsOf(h, alice).map((m) => m.payload)).toEqual([4, 5, 6, 7, 8].map((n) => ({ n })));
      expect(received.find((m) => m.event === 'phx_reply')?.payload).toEqual({ status: 'ok', response: { replayed: 5, truncated: true, seq: seqs[7] } });
      // since 0 asks for everything retained: the first 3 are gone, so that is cut short too.
      h.sender.clear();
      await h.send(alice, { action: 'join', topic, payload: { since: 0 }, ref: 'k' });
      expect(broadcastsOf(h, alice)).toHaveLength(5);
      expect(asNative(h.sender.messagesFor(alice)).find((m) => m.event === 'phx_reply')?.payload).toMatchObject({ response: { replayed: 5, truncated: true } });
    });

    it('is not cut short when since 0 finds the whole history of the topic', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      for (let n = 1; n <= 3; n += 1) await operations(h).publish(topic, 'shout', { n });

      await h.send(alice, { action: 'join', topic, payload: { since: 0 }, ref: 'j' });

      expect(broadcastsOf(h, alice).map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(asNative(h.sender.messagesFor(alice)).find((m) => m.event === 'phx_reply')?.payload).toMatchObject({ response: { replayed: 3, truncated: false } });
    });

    it('drops messages older than ttlSeconds, and every history item carries its TTL', async () => {
      let now = Date.now();
      const clock: Clock = { nowMs: () => now };
      const { h, ids } = await withClients(1, { clock, config: { history: { 'room:*': { maxMessages: 50, ttlSeconds: 60 } } } });
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      const first = await operations(h).publish(topic, 'shout', { n: 1 });
      now += 30_000;
      await operations(h).publish(topic, 'shout', { n: 2 });
      now += 40_000; // n: 1 is 70 s old, n: 2 is 40 s old

      await h.send(alice, { action: 'join', topic, payload: { since: (first.seq as number) - 1 }, ref: 'j' });

      expect(broadcastsOf(h, alice).map((m) => m.payload)).toEqual([{ n: 2 }]);
      expect(asNative(h.sender.messagesFor(alice)).find((m) => m.event === 'phx_reply')?.payload).toMatchObject({ response: { replayed: 1, truncated: true } });
      const { Items } = await table.documentClient.send(
        new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `h#${topic}` } }),
      );
      expect(Items).toHaveLength(3); // the counter and two messages
      for (const item of Items ?? []) expect(item.expiresAt).toEqual(expect.any(Number));
    });

    it('replays Phoenix V2 frames as they were broadcast, the seq in the ref slot', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      const { seq } = await operations(h).publish(topic, 'shout', { n: 1 });
      await operations(h).publish(topic, 'shout', { n: 2 });

      await h.send(alice, ['5', '6', topic, 'phx_join', { since: (seq as number) - 1 }]);

      const received = asPhoenix(h.sender.messagesFor(alice));
      expect(received.slice(0, 3)).toEqual([
        [null, String(seq), topic, 'shout', { n: 1 }],
        [null, String((seq as number) + 1), topic, 'shout', { n: 2 }],
        ['5', '6', topic, 'phx_reply', { status: 'ok', response: { replayed: 2, truncated: false, seq: (seq as number) + 1 } }],
      ]);
    });

    it("merges the replay summary into a channel module's join response", async () => {
      const { h, ids } = await withClients(1, {
        channels: [defineChannel({ topic: 'room:welcome:*', join: async () => ({ ok: { welcome: true, replayed: 'mine' } }) })],
      });
      const [alice] = ids as [string];
      const topic = uniqueTopic('room:welcome');
      const { seq } = await operations(h).publish(topic, 'shout', {});

      await h.send(alice, { action: 'join', topic, payload: { since: (seq as number) - 1 }, ref: 'j' });

      expect(asNative(h.sender.messagesFor(alice)).find((m) => m.event === 'phx_reply')?.payload).toEqual({
        status: 'ok',
        response: { welcome: true, replayed: 1, truncated: false, seq },
      });
    });

    it('refuses a since that is not a non-negative integer, and does not subscribe', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      const response = await h.send(alice, { action: 'join', topic, payload: { since: 'yesterday' }, ref: 'j' });
      await operations(h).publish(topic, 'shout', {});

      expect(JSON.parse(response.body ?? '')).toEqual(errorReplyFor(topic, 'j', 'invalid_frame'));
      expect(broadcastsOf(h, alice)).toEqual([]);
    });

    it('gives no seq to a broadcast too big to deliver, and keeps nothing of it', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      const { seq } = await operations(h).publish(topic, 'shout', { n: 1 });

      await expect(operations(h).publish(topic, 'shout', { big: 'x'.repeat(131_000) })).rejects.toMatchObject({ reason: 'payload_too_large' });
      const next = await operations(h).publish(topic, 'shout', { n: 2 });

      expect(next.seq).toBe((seq as number) + 1);
      expect((await operations(h).history(topic)).messages.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }]);
      void alice;
    });

    it('replays past a message whose post failed, and stops when the socket is gone', async () => {
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      const seqs: number[] = [];
      for (let n = 1; n <= 3; n += 1) seqs.push((await operations(h).publish(topic, 'shout', { n })).seq as number);
      let posts = 0;
      const flaky = { send: async (delivery: Parameters<Harness['sender']['send']>[0]) => ((posts += 1) === 2 ? { outcome: 'failed' as const, status: 500, retries: 3 } : h.sender.send(delivery)) };

      const summary = await h.deps.history.replay(topic, (seqs[0] as number) - 1, async (entry) => {
        const { outcome } = await flaky.send({ endpoint: h.endpoint, connectionId: alice, data: JSON.stringify(entry) });
        return outcome === 'delivered' ? 'delivered' : 'failed';
      });
      h.sender.markGone(bob);
      await h.send(bob, { action: 'join', topic, payload: { since: (seqs[0] as number) - 1 }, ref: 'j' });

      expect(summary).toEqual({ replayed: 2, truncated: false, seq: seqs[2] });
      expect(h.sender.messagesFor(alice).map((m) => (m as { seq: number }).seq)).toEqual([seqs[0], seqs[2]]);
      expect(h.sender.attempts.filter((a) => a.connectionId === bob && a.data.includes('"shout"'))).toHaveLength(1);
    });

    it('loses nothing to a join racing live broadcasts: every seq arrives, and duplicates are only seqs up to the reply seq', async () => {
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      const ops = operations(h);
      await h.send(alice, { action: 'join', topic, ref: '1' });
      const { seq: since } = await ops.publish(topic, 'shout', { n: 0 });

      for (let round = 0; round < 5; round += 1) {
        h.sender.clear();
        const publishes = Promise.all(Array.from({ length: 4 }, (_, n) => ops.publish(topic, 'shout', { round, n })));
        await Promise.all([publishes, h.send(bob, { action: 'join', topic, payload: { since }, ref: `j${round}` })]);
        const published = (await publishes).map((r) => r.seq as number);

        const received = asNative(h.sender.messagesFor(bob));
        const replyIndex = received.findIndex((m) => m.event === 'phx_reply');
        const reply = (received[replyIndex]?.payload as { response: { replayed: number; seq: number } }).response;
        const seqs = received.filter((m) => m.event === 'shout').map((m) => (m as { seq: number }).seq);
        // Published during the join: each arrives, replayed or live (all are within the last maxMessages).
        for (const seq of published) expect(seqs).toContain(seq);
        // A seq can arrive twice only when its publisher was in flight during the join: never above the reply's seq.
        const duplicates = seqs.filter((s, i) => seqs.indexOf(s) !== i);
        for (const duplicate of duplicates) expect(duplicate).toBeLessThanOrEqual(reply.seq);
        expect(reply.replayed).toBeLessThanOrEqual(5);
      }
    });
  });

  describe('cost', () => {
    it('a broadcast on a history topic costs one UpdateItem and one PutItem more', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      await h.send(alice, { action: 'join', topic, ref: '1' });
      await h.send(alice, { action: 'push', topic, event: 'shout', ref: '2' });

      log.clear();
      await h.send(alice, { action: 'push', topic, event: 'shout', ref: '3' });

      // Without history: GetItem (joined?), Query (subscribers); the rate counter is written every tenth push only.
      expect([...log.names].sort()).toEqual(['GetItemCommand', 'PutItemCommand', 'QueryCommand', 'UpdateItemCommand']);
    });

    it('a join on a history topic costs one GetItem more, and one Query per 1 MB page when it replays', async () => {
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      const plainTopic = uniqueTopic('chat');
      const { seq } = await operations(h).publish(topic, 'shout', {});
      const requestsOf = async (frame: Record<string, unknown>) => {
        await h.send(alice, frame); // joined once already: every measured join is a rejoin
        log.clear();
        await h.send(alice, frame);
        return [...log.names];
      };

      const plain = await requestsOf({ action: 'join', topic: plainTopic, ref: '1' });
      const withHistory = await requestsOf({ action: 'join', topic, ref: '2' });
      const replaying = await requestsOf({ action: 'join', topic, payload: { since: (seq as number) - 1 }, ref: '3' });

      expect(extra(withHistory, plain)).toEqual(['GetItemCommand']);
      expect(extra(replaying, plain)).toEqual(['GetItemCommand', 'QueryCommand']);
    });
  });
});
