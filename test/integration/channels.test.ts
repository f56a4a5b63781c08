import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { messageEvent } from '../support/gateway-events.js';
import { asNative, errorReplyFor, eventsNamed, okReplyFor, type PresenceDiffPayload, type PresencePayload } from '../support/messages.js';
import { getItem, queryPartition, storedJson } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, withConnectedClients, TEST_ENDPOINT, type Harness, type HarnessOptions } from '../support/topicast-harness.js';
import { createPingHandler } from '../../lambdas/handlers/ping.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import { silentLogger } from '../../lambdas/composition/system.js';
import { noMetrics } from '../../lambdas/core/metrics.js';

let table: TestTable;
let topicCounter = 0;
const uniqueTopic = (prefix = 'room') => `${prefix}:${Date.now().toString(36)}-${(topicCounter += 1)}`;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

const withClients = (count: number, options: HarnessOptions = {}) => withConnectedClients(table, count, options);

async function joinAll(h: Harness, ids: readonly string[], topic: string): Promise<void> {
  for (const id of ids) {
    const response = await h.send(id, { action: 'join', topic, ref: 'j' });
    expect(response.statusCode).toBe(200);
  }
}

const presenceOf = (message: { payload: unknown } | undefined) => message?.payload as PresencePayload;
const diffOf = (message: { payload: unknown } | undefined) => message?.payload as PresenceDiffPayload;

describe('channels', () => {
  describe('join', () => {
    it('replies ok, then sends presence_state to the joiner, reply first', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      const response = await h.send(alice, { action: 'join', topic, payload: { meta: { name: 'alice' } }, ref: '1' });

      // Assess: two messages are posted in order rather than returned as the route response
      expect(response).toEqual({ statusCode: 200 });
      const messages = asNative(h.sender.messagesFor(alice));
      expect(messages).toHaveLength(2);
      expect(messages[0]).toEqual(okReplyFor(topic, '1'));
      expect(messages[1]).toEqual({
        topic,
        event: 'presence_state',
        payload: { [alice]: { metas: [{ name: 'alice', phx_ref: expect.any(String) }] } },
      });
      expect(h.sender.attempts.every((d) => d.endpoint === TEST_ENDPOINT)).toBe(true);
    });

    it('stores both sides of the subscription', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      await h.send(alice, { action: 'join', topic, payload: { meta: { name: 'alice' } } });

      // Assess
      const connectionSide = await getItem(table, { pk: `c#${alice}`, sk: `s#${topic}` });
      const topicSide = await getItem(table, { pk: `t#${topic}#0`, sk: alice });
      expect(connectionSide).toMatchObject({ topic, shard: 0, presenceKey: alice });
      expect(topicSide).toMatchObject({ endpoint: TEST_ENDPOINT, format: 'native', presenceKey: alice });
      expect(storedJson(connectionSide?.meta)).toEqual({ name: 'alice', phx_ref: expect.any(String) });
      expect(storedJson(topicSide?.meta)).toEqual(storedJson(connectionSide?.meta));
    });

    it('sends presence_state with everyone and a presence_diff of the join to the others only', async () => {
      // Prepare
      const { h, ids } = await withClients(3);
      const [alice, bob, carol] = ids as [string, string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob], topic);
      h.sender.clear();

      // Act
      await h.send(carol, { action: 'join', topic, payload: { meta: { name: 'carol' } }, ref: '7' });

      // Assess: carol
      const carolMessages = asNative(h.sender.messagesFor(carol));
      expect(carolMessages.map((m) => m.event)).toEqual(['phx_reply', 'presence_state']);
      expect(carolMessages[0]).toEqual(okReplyFor(topic, '7'));
      expect(Object.keys(presenceOf(carolMessages[1])).sort()).toEqual([alice, bob, carol].sort());
      const carolMeta = presenceOf(carolMessages[1])[carol]?.metas[0];
      expect(carolMeta).toEqual({ name: 'carol', phx_ref: expect.any(String) });

      // Assess: alice and bob get the same diff, with the same phx_ref carol got in her state
      for (const other of [alice, bob]) {
        const messages = asNative(h.sender.messagesFor(other));
        expect(messages).toEqual([{ topic, event: 'presence_diff', payload: { joins: { [carol]: { metas: [carolMeta] } }, leaves: {} } }]);
      }
    });

    it('replaces an earlier join: the diff has both joins and leaves and the topic count stays', async () => {
      // Prepare
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await h.send(alice, { action: 'join', topic, payload: { meta: { status: 'online' } } });
      const firstMeta = presenceOf(eventsNamed(h.sender.messagesFor(alice), 'presence_state')[0])[alice]?.metas[0];
      await h.send(bob, { action: 'join', topic });
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'join', topic, payload: { meta: { status: 'away' } }, ref: '2' });

      // Assess
      expect(response.statusCode).toBe(200);
      const [diff] = eventsNamed(h.sender.messagesFor(bob), 'presence_diff');
      expect(diffOf(diff).leaves).toEqual({ [alice]: { metas: [firstMeta] } });
      expect(diffOf(diff).joins).toEqual({ [alice]: { metas: [{ status: 'away', phx_ref: expect.any(String) }] } });
      expect(diffOf(diff).joins[alice]?.metas[0]?.phx_ref).not.toBe(firstMeta?.phx_ref);

      const [state] = eventsNamed(h.sender.messagesFor(alice), 'presence_state');
      expect(presenceOf(state)[alice]?.metas).toEqual([{ status: 'away', phx_ref: expect.any(String) }]);

      const aliceTopics = (await queryPartition(table, `c#${alice}`)).filter((item) => String(item.sk).startsWith('s#'));
      expect(aliceTopics).toHaveLength(1);
      expect(await queryPartition(table, `t#${topic}#0`)).toHaveLength(2);
    });

    it('refuses a join past maxTopicsPerConnection with too_many_topics, but not a rejoin', async () => {
      // Prepare
      const { h, ids } = await withClients(1, { config: { limits: { maxTopicsPerConnection: 2 } } });
      const [alice] = ids as [string];
      const [first, second, third] = [uniqueTopic(), uniqueTopic(), uniqueTopic()];
      await joinAll(h, [alice], first);
      await joinAll(h, [alice], second);
      h.sender.clear();

      // Act
      const refused = await h.send(alice, { action: 'join', topic: third, ref: '3' });
      const rejoin = await h.send(alice, { action: 'join', topic: first, ref: '4' });
      await h.send(alice, { action: 'leave', topic: second });
      h.sender.clear();
      const afterLeave = await h.send(alice, { action: 'join', topic: third, ref: '5' });

      // Assess
      expect(responseMessages(refused)).toEqual([errorReplyFor(third, '3', 'too_many_topics')]);
      expect(await getItem(table, { pk: `t#${third}#0`, sk: alice })).toBeDefined();
      expect(rejoin.statusCode).toBe(200);
      expect(responseMessages(afterLeave)).toEqual([]);
      expect(asNative(h.sender.messagesFor(alice))[0]).toEqual(okReplyFor(third, '5'));
    });

    it('refuses a too-large or malformed presence meta', async () => {
      // Prepare
      const { h, ids } = await withClients(1, { config: { limits: { maxMetaBytes: 32 } } });
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      const tooLarge = await h.send(alice, { action: 'join', topic, payload: { meta: { bio: 'x'.repeat(40) } }, ref: '1' });
      const notObject = await h.send(alice, { action: 'join', topic, payload: { meta: 'hello' }, ref: '2' });

      // Assess
      expect(responseMessages(tooLarge)).toEqual([errorReplyFor(topic, '1', 'payload_too_large')]);
      expect(responseMessages(notObject)).toEqual([errorReplyFor(topic, '2', 'invalid_frame')]);
      expect(await queryPartition(table, `t#${topic}#0`)).toEqual([]);
    });

    // The meta is client JSON: any number JSON allows must round-trip, not fail the join with
    // internal_error because DynamoDB numbers are narrower (38 digits, 1e-130..1e126) than JSON's.
    it.each([
      ['an integer above 2^53', '{"id":12345678901234567890}', { id: 12345678901234567890 }],
      ['a number above DynamoDB range', '{"n":1e200}', { n: 1e200 }],
      ['a number below DynamoDB range', '{"n":1e-200}', { n: 1e-200 }],
    ])('keeps a presence meta holding %s', async (_name, metaJson, expected) => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      const response = await h.send(alice, `{"action":"join","topic":"${topic}","ref":"1","payload":{"meta":${metaJson}}}`);

      // Assess
      expect(responseMessages(response)).toEqual([]);
      const messages = asNative(h.sender.messagesFor(alice));
      expect(messages[0]).toEqual(okReplyFor(topic, '1'));
      expect(presenceOf(messages[1])[alice]?.metas).toEqual([{ ...expected, phx_ref: expect.any(String) }]);
      expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    });

    it('refuses a join from a connection that never connected', async () => {
      // Prepare
      const h = createHarness(table);
      const stranger = connectionId('stranger');
      const topic = uniqueTopic();

      // Act
      const response = await h.send(stranger, { action: 'join', topic, ref: '1' });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, '1', 'unauthorized')]);
      expect(await queryPartition(table, `t#${topic}#0`)).toEqual([]);
    });

    it('does not track presence on topics where it is disabled', async () => {
      // Prepare
      const { h, ids } = await withClients(2, { config: { presenceDisabled: ['firehose:*'] } });
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic('firehose');
      await h.send(alice, { action: 'join', topic, ref: '1' });

      // Act
      const bobJoin = await h.send(bob, { action: 'join', topic, payload: { meta: { name: 'bob' } }, ref: '2' });
      const bobLeave = await h.send(bob, { action: 'leave', topic, ref: '3' });

      // Assess: the single reply is the route response; nothing is posted to anyone
      expect(responseMessages(bobJoin)).toEqual([okReplyFor(topic, '2')]);
      expect(responseMessages(bobLeave)).toEqual([okReplyFor(topic, '3')]);
      expect(h.sender.attempts.filter((d) => d.data.includes('presence_'))).toEqual([]);
      const stored = await getItem(table, { pk: `t#${topic}#0`, sk: alice });
      expect(stored).toBeDefined();
      expect(stored).not.toHaveProperty('presenceKey');
      expect(stored).not.toHaveProperty('meta');
    });
  });

  describe('leave', () => {
    it('replies ok and sends a presence_diff of the leave to the others', async () => {
      // Prepare
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob], topic);
      const aliceMeta = presenceOf(eventsNamed(h.sender.messagesFor(alice), 'presence_state')[0])[alice]?.metas[0];
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'leave', topic, ref: '3' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '3')]);
      expect(h.sender.messagesFor(alice)).toEqual([]);
      expect(h.sender.messagesFor(bob)).toEqual([{ topic, event: 'presence_diff', payload: { joins: {}, leaves: { [alice]: { metas: [aliceMeta] } } } }]);
      expect(await getItem(table, { pk: `c#${alice}`, sk: `s#${topic}` })).toBeUndefined();
      expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk)).toEqual([bob]);
    });

    it('refuses leaving a topic that was not joined with not_joined', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act
      const response = await h.send(alice, { action: 'leave', topic, ref: '8' });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, '8', 'not_joined')]);
      expect(h.sender.attempts).toEqual([]);
    });

    it('refuses a second leave of the same topic', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      await joinAll(h, [alice], topic);
      await h.send(alice, { action: 'leave', topic });

      // Act
      const again = await h.send(alice, { action: 'leave', topic, ref: '9' });

      // Assess
      expect(responseMessages(again)).toEqual([errorReplyFor(topic, '9', 'not_joined')]);
    });
  });

  describe('push', () => {
    it('broadcasts to every subscriber, the sender included, and replies ok', async () => {
      // Prepare
      const { h, ids } = await withClients(4);
      const [alice, bob, carol, outsider] = ids as [string, string, string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob, carol], topic);
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'shout', payload: { body: 'hi' }, ref: '4' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '4')]);
      for (const id of [alice, bob, carol]) {
        expect(h.sender.framesFor(id)).toEqual([JSON.stringify({ topic, event: 'shout', payload: { body: 'hi' } })]);
      }
      expect(h.sender.framesFor(outsider)).toEqual([]);
    });

    it('leaves the sender out when self is false', async () => {
      // Prepare
      const { h, ids } = await withClients(3);
      const [alice, bob, carol] = ids as [string, string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob, carol], topic);
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'typing', self: false, ref: '5' });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(topic, '5')]);
      expect(h.sender.recipients().sort()).toEqual([bob, carol].sort());
      expect(h.sender.messagesFor(bob)).toEqual([{ topic, event: 'typing', payload: {} }]);
    });

    it('refuses a push to a topic the sender has not joined, and delivers nothing', async () => {
      // Prepare
      const { h, ids } = await withClients(2);
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await joinAll(h, [bob], topic);
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'shout', ref: '6' });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, '6', 'not_joined')]);
      expect(h.sender.attempts).toEqual([]);
    });

    it('refuses the push past maxPushesPerWindow with rate_limited, until the window rolls over', async () => {
      // Prepare: a clock one second into a 10 s window, moved by hand
      let nowMs = Math.floor(Date.now() / 10_000) * 10_000 + 1_000;
      const { h, ids } = await withClients(2, { config: { limits: { maxPushesPerWindow: 3, rateLimitWindowSeconds: 10 } }, clock: { nowMs: () => nowMs } });
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob], topic);
      h.sender.clear();

      // Act
      const replies = [];
      for (let i = 1; i <= 4; i += 1) replies.push(responseMessages(await h.send(alice, { action: 'push', topic, event: 'shout', payload: { i }, ref: String(i) })));
      nowMs += 10_000;
      const nextWindow = responseMessages(await h.send(alice, { action: 'push', topic, event: 'shout', payload: { i: 5 }, ref: '5' }));

      // Assess
      expect(replies).toEqual([[okReplyFor(topic, '1')], [okReplyFor(topic, '2')], [okReplyFor(topic, '3')], [errorReplyFor(topic, '4', 'rate_limited')]]);
      expect(nextWindow).toEqual([okReplyFor(topic, '5')]);
      expect(asNative(h.sender.messagesFor(bob)).map((m) => m.payload)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 5 }]);
    });

    it('counts pushes per connection, not per topic or globally', async () => {
      // Prepare
      const nowMs = Math.floor(Date.now() / 10_000) * 10_000 + 1_000;
      const { h, ids } = await withClients(2, { config: { limits: { maxPushesPerWindow: 1 } }, clock: { nowMs: () => nowMs } });
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob], topic);

      // Act
      const alicePush = await h.send(alice, { action: 'push', topic, event: 'e', ref: '1' });
      const bobPush = await h.send(bob, { action: 'push', topic, event: 'e', ref: '1' });

      // Assess
      expect(responseMessages(alicePush)).toEqual([okReplyFor(topic, '1')]);
      expect(responseMessages(bobPush)).toEqual([okReplyFor(topic, '1')]);
    });

    it.each([
      ['reserved_event', { event: 'phx_reply' }],
      ['invalid_event', { event: '' }],
      ['payload_too_large', { event: 'e', payload: { blob: 'x'.repeat(200) } }],
    ])('refuses %s without delivering anything', async (reason, fields) => {
      // Prepare
      const { h, ids } = await withClients(2, { config: { limits: { maxPayloadBytes: 100 } } });
      const [alice, bob] = ids as [string, string];
      const topic = uniqueTopic();
      await joinAll(h, [alice, bob], topic);
      h.sender.clear();

      // Act
      const response = await h.send(alice, { action: 'push', topic, ...fields });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, null, reason)]);
      expect(h.sender.attempts).toEqual([]);
    });
  });

  describe('ping', () => {
    it('replies from memory: the ping handler is built without a table or a sender', async () => {
      // Prepare
      const config = resolveConfig();
      const ping = createPingHandler(() => ({ config, logger: silentLogger, metrics: noMetrics, endpointFor: () => TEST_ENDPOINT }));

      // Act
      const response = await ping(messageEvent(connectionId('never-connected'), JSON.stringify({ action: 'ping', ref: '9' }), 'ping'));

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(null, '9')]);
    });

    it('is routed by action and touches nothing', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const before = await queryPartition(table, `c#${alice}`);

      // Act
      const response = await h.send(alice, { action: 'ping', ref: 10 });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(null, '10')]);
      expect(h.sender.attempts).toEqual([]);
      expect(await queryPartition(table, `c#${alice}`)).toEqual(before);
    });
  });

  describe('bad frames', () => {
    it.each([
      ['not JSON', 'hello'],
      ['a JSON scalar', '42'],
      ['a truncated object', '{"action":"join","topic":"room:x","ref":"1"'],
    ])('answers %s on $default with invalid_frame, topic and ref null', async (_name, body) => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const before = await queryPartition(table, `c#${alice}`);

      // Act
      const response = await h.send(alice, body);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(responseMessages(response)).toEqual([errorReplyFor(null, null, 'invalid_frame')]);
      expect(await queryPartition(table, `c#${alice}`)).toEqual(before);
      expect(h.sender.attempts).toEqual([]);
    });

    it('answers an object without action with invalid_frame, echoing its topic', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];

      // Act
      const response = await h.send(alice, '{"topic":"room:x"}');

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor('room:x', null, 'invalid_frame')]);
    });

    // DESIGN.md: "ref is optional and echoed in the reply". A client matches replies to requests by ref.
    it('echoes the ref in the error reply to a refused push', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();
      await joinAll(h, [alice], topic);

      // Act
      const response = await h.send(alice, { action: 'push', topic, event: 'phx_reply', ref: '42' });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, '42', 'reserved_event')]);
    });

    it('answers an unknown action with unknown_action', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];

      // Act
      const response = await h.send(alice, { action: 'subscribe', topic: 'room:x', ref: '1' });

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor('room:x', '1', 'unknown_action')]);
    });

    it('answers a frame sent to the wrong route without running it', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const topic = uniqueTopic();

      // Act: a join frame delivered to the push route
      const response = await h.handlers.push(messageEvent(alice, JSON.stringify({ action: 'join', topic, ref: '1' }), 'push'));

      // Assess
      expect(responseMessages(response)).toEqual([errorReplyFor(topic, '1', 'unknown_action')]);
      expect(await queryPartition(table, `t#${topic}#0`)).toEqual([]);
    });

    it('decodes base64-encoded (binary) frames', async () => {
      // Prepare
      const { h, ids } = await withClients(1);
      const [alice] = ids as [string];
      const body = Buffer.from(JSON.stringify({ action: 'ping', ref: 'b' })).toString('base64');

      // Act
      const response = await h.invoke({ ...messageEvent(alice, body, '$default'), isBase64Encoded: true });

      // Assess
      expect(responseMessages(response)).toEqual([okReplyFor(null, 'b')]);
    });
  });

  it('logs no errors across these scenarios', async () => {
    // Prepare
    const { h, ids } = await withClients(2);
    const topic = uniqueTopic();

    // Act
    await joinAll(h, ids, topic);
    await h.send(ids[0] as string, { action: 'push', topic, event: 'e' });
    await h.send(ids[0] as string, 'garbage');
    await h.send(ids[1] as string, { action: 'leave', topic });

    // Assess
    expect(h.logger.entries.filter((entry) => entry.level !== 'info')).toEqual([]);
  });
});
