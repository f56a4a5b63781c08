/**
 * Channel modules through the real handlers on dynalite, as the Lambda composition wires
 * them (the Management API is the only fake): join decides and assigns, handleIn replies
 * and broadcasts, leave runs on leave, disconnect and reaping, and user-code failures
 * become internal_error replies without touching anyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import type { ChannelDefinition, ChannelSocket, JsonObject, LeaveReason } from '../../lambdas/core/channels/definition.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { getItem } from '../support/table-items.js';
import { jwtFor } from '../security/tokens.js';
import { connectionId, createHarness, responseMessages, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

const SECRET = 'channel-modules-test-secret-0123456789';
const verifier = new JwtVerifier({ secret: () => Promise.resolve(SECRET) });

let table: TestTable;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

interface Seen {
  readonly leaves: { topic: string; reason: LeaveReason; assigns: unknown; user: unknown; connectionId: string }[];
  readonly joins: string[];
}

/** A module that does a bit of everything, driven by the event name. */
function everythingModule(seen: Seen): ChannelDefinition {
  return {
    topic: 'room:*',
    name: 'everything',
    async join(topic, params, socket) {
      seen.joins.push(topic);
      if (params.refuse === true) return { error: { reason: 'not_invited', room: topic } };
      if (params.explode === true) throw new Error('invite service is down');
      socket.assign({ name: String(params.name ?? 'anon'), role: 'member' });
      await socket.push('welcome', { to: socket.assigns.name ?? null });
      return { ok: { joinedAs: String(params.name ?? 'anon'), sub: socket.user?.sub ?? null } };
    },
    async handleIn(event, payload, socket: ChannelSocket) {
      switch (event) {
        case 'whoami':
          return { reply: { ok: { assigns: socket.assigns as JsonObject, sub: socket.user?.sub ?? null, connectionId: socket.connectionId } } };
        case 'shout':
          await socket.broadcast('shout', { ...(payload as JsonObject), from: String(socket.assigns.name) });
          return { noreply: true };
        case 'others':
          await socket.broadcastFrom('others', { from: String(socket.assigns.name) });
          return { reply: { ok: {} } };
        case 'me':
          await socket.push('just_you', { n: 1 });
          await socket.push('just_you', { n: 2 });
          return { reply: { ok: { pushed: 2 } } };
        case 'announce':
          await socket.publish('news:all', 'announcement', { from: String(socket.assigns.name) });
          return { reply: { ok: {} } };
        case 'refuse':
          return { reply: { error: { reason: 'nope', detail: 'refused on purpose' } } };
        case 'throw':
          throw new Error('handler bug');
        case 'hang':
          return new Promise(() => undefined);
        case 'reassign':
          socket.assign({ name: 'mallory' });
          return { reply: { ok: {} } };
        case 'bad_event':
          await socket.broadcast('phx_reply', {});
          return { reply: { ok: {} } };
        default:
          return { reply: { error: { reason: 'unknown_event' } } };
      }
    },
    leave(topic, socket, reason) {
      seen.leaves.push({ topic, reason, assigns: socket.assigns, user: socket.user, connectionId: socket.connectionId });
    },
  };
}

function harnessWith(channels: readonly ChannelDefinition[], options: Omit<HarnessOptions, 'channels'> = {}): Harness {
  return createHarness(table, { verifier, ...options, config: { auth: 'optional', ...options.config, limits: { channelTimeoutMs: 200, ...options.config?.limits } }, channels });
}

async function connected(h: Harness, label: string, sub?: string): Promise<string> {
  const id = connectionId(label);
  const query = sub ? { token: await jwtFor(SECRET, { sub, team: 'blue' }) } : undefined;
  const { statusCode } = await h.connect(id, query ? { query } : {});
  if (statusCode !== 200) throw new Error(`connect answered ${statusCode}`);
  return id;
}

const reply = (topic: string, ref: string, status: 'ok' | 'error', response: unknown) => ({ topic, event: 'phx_reply', ref, payload: { status, response } });

describe('channel modules through the handlers', () => {
  const seen: Seen = { leaves: [], joins: [] };
  let h: Harness;
  beforeAll(() => {
    h = harnessWith([everythingModule(seen), { topic: 'news:*' }]);
  });

  describe('join', () => {
    it("replies with the module's response, then presence_state, then what join pushed; stores the assigns and the user", async () => {
      // Prepare
      const ann = await connected(h, 'ann', 'ann');
      h.sender.clear();

      // Act
      await h.send(ann, { action: 'join', topic: 'room:a', payload: { name: 'Ann' }, ref: '1' });

      // Assess
      const messages = h.sender.messagesFor(ann) as { event: string }[];
      expect(messages[0]).toEqual(reply('room:a', '1', 'ok', { joinedAs: 'Ann', sub: 'ann' }));
      expect(messages.map((m) => m.event)).toEqual(['phx_reply', 'presence_state', 'welcome']);
      expect(messages[2]).toEqual({ topic: 'room:a', event: 'welcome', payload: { to: 'Ann' } });
      const stored = await getItem(table, { pk: `c#${ann}`, sk: 's#room:a' });
      expect(JSON.parse(String(stored?.channel))).toEqual({ assigns: { name: 'Ann', role: 'member' }, user: { sub: 'ann', claims: expect.objectContaining({ sub: 'ann', team: 'blue' }) } });
    });

    it("refuses with the module's own reason and response, and subscribes nothing", async () => {
      // Prepare
      const bob = await connected(h, 'bob');

      // Act
      const response = await h.send(bob, { action: 'join', topic: 'room:b', payload: { refuse: true }, ref: '2' });

      // Assess
      expect(responseMessages(response)).toEqual([reply('room:b', '2', 'error', { reason: 'not_invited', room: 'room:b' })]);
      expect(await getItem(table, { pk: `c#${bob}`, sk: 's#room:b' })).toBeUndefined();
    });

    it('answers internal_error when join throws, logs module, topic and error, and subscribes nothing', async () => {
      // Prepare
      const cat = await connected(h, 'cat');

      // Act
      const response = await h.send(cat, { action: 'join', topic: 'room:c', payload: { explode: true }, ref: '3' });

      // Assess
      expect(responseMessages(response)).toEqual([reply('room:c', '3', 'error', { reason: 'internal_error', message: 'the channel could not handle this join; try again' })]);
      expect(h.logger.entries.find((e) => e.fields.error === 'Error: invite service is down')?.fields).toMatchObject({ module: 'everything', callback: 'join', topic: 'room:c', connectionId: cat });
      expect(await getItem(table, { pk: `c#${cat}`, sk: 's#room:c' })).toBeUndefined();
    });

    it('is not asked when the built-in rules refuse (user topics, topicRules): a module cannot re-allow', async () => {
      // Prepare
      const joins: string[] = [];
      const allowAll: ChannelDefinition = { topic: '*', join: (topic) => (joins.push(topic), { ok: {} }) };
      const strict = harnessWith([allowAll], { config: { topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] } }] } });
      const eve = await connected(strict, 'eve', 'eve');

      // Act
      const foreign = await strict.send(eve, { action: 'join', topic: 'user:alice', ref: '1' });
      const admin = await strict.send(eve, { action: 'join', topic: 'admin:panel', ref: '2' });
      await strict.send(eve, { action: 'join', topic: 'user:eve', ref: '3' });

      // Assess
      expect(responseMessages(foreign)[0]).toMatchObject({ payload: { status: 'error', response: { reason: 'unauthorized' } } });
      expect(responseMessages(admin)[0]).toMatchObject({ payload: { status: 'error', response: { reason: 'unauthorized' } } });
      expect(joins).toEqual(['user:eve']);
    });
  });

  describe('handleIn', () => {
    let ann: string;
    let bob: string;
    beforeAll(async () => {
      ann = await connected(h, 'ann2', 'ann');
      bob = await connected(h, 'bob2');
      await h.send(ann, { action: 'join', topic: 'room:h', payload: { name: 'Ann' }, ref: '1' });
      await h.send(bob, { action: 'join', topic: 'room:h', payload: { name: 'Bob' }, ref: '1' });
    });

    it('sees the assigns stored at join and the user, in every later event', async () => {
      // Act
      const first = await h.send(ann, { action: 'push', topic: 'room:h', event: 'whoami', ref: '2' });
      const second = await h.send(bob, { action: 'push', topic: 'room:h', event: 'whoami', ref: '3' });

      // Assess
      expect(responseMessages(first)).toEqual([reply('room:h', '2', 'ok', { assigns: { name: 'Ann', role: 'member' }, sub: 'ann', connectionId: ann })]);
      expect(responseMessages(second)).toEqual([reply('room:h', '3', 'ok', { assigns: { name: 'Bob', role: 'member' }, sub: null, connectionId: bob })]);
    });

    it('broadcast reaches everyone, the sender too; noreply sends no reply', async () => {
      // Prepare
      h.sender.clear();

      // Act
      const response = await h.send(bob, { action: 'push', topic: 'room:h', event: 'shout', payload: { body: 'hi' }, ref: '4' });

      // Assess
      expect(response).toEqual({ statusCode: 200 });
      const shout = { topic: 'room:h', event: 'shout', payload: { body: 'hi', from: 'Bob' } };
      expect(h.sender.messagesFor(ann)).toEqual([shout]);
      expect(h.sender.messagesFor(bob)).toEqual([shout]);
    });

    it('broadcastFrom reaches all but the sender; push reaches only the sender, before its reply', async () => {
      // Prepare
      h.sender.clear();

      // Act
      const others = await h.send(ann, { action: 'push', topic: 'room:h', event: 'others', ref: '5' });
      const me = await h.send(ann, { action: 'push', topic: 'room:h', event: 'me', ref: '6' });

      // Assess
      expect(h.sender.messagesFor(bob)).toEqual([{ topic: 'room:h', event: 'others', payload: { from: 'Ann' } }]);
      expect(responseMessages(others)).toEqual([reply('room:h', '5', 'ok', {})]);
      // Several frames go out through the Management API, in order, instead of the route response.
      expect(responseMessages(me)).toEqual([]);
      expect(h.sender.messagesFor(ann)).toEqual([
        { topic: 'room:h', event: 'just_you', payload: { n: 1 } },
        { topic: 'room:h', event: 'just_you', payload: { n: 2 } },
        reply('room:h', '6', 'ok', { pushed: 2 }),
      ]);
    });

    it('publish reaches the subscribers of another topic', async () => {
      // Prepare
      const reader = await connected(h, 'reader');
      await h.send(reader, { action: 'join', topic: 'news:all', ref: '1' });
      h.sender.clear();

      // Act
      await h.send(ann, { action: 'push', topic: 'room:h', event: 'announce', ref: '7' });

      // Assess
      expect(h.sender.messagesFor(reader)).toEqual([{ topic: 'news:all', event: 'announcement', payload: { from: 'Ann' } }]);
    });

    it("a returned error is an error reply with the module's reason", async () => {
      // Act
      const response = await h.send(ann, { action: 'push', topic: 'room:h', event: 'refuse', ref: '8' });

      // Assess
      expect(responseMessages(response)).toEqual([reply('room:h', '8', 'error', { reason: 'nope', detail: 'refused on purpose' })]);
    });

    it('a throw, a timeout, assign outside join and a reserved event are internal_error, logged with the event; the connection still works', async () => {
      // Act
      const replies = [];
      for (const event of ['throw', 'hang', 'reassign', 'bad_event']) {
        replies.push(responseMessages(await h.send(ann, { action: 'push', topic: 'room:h', event, ref: event })));
      }
      const after = await h.send(ann, { action: 'push', topic: 'room:h', event: 'whoami', ref: 'after' });

      // Assess
      for (const [index, event] of ['throw', 'hang', 'reassign', 'bad_event'].entries()) {
        expect(replies[index]).toEqual([reply('room:h', event, 'error', { reason: 'internal_error', message: 'the channel could not handle this event; try again' })]);
        expect(h.logger.entries.some((e) => e.fields.event === event && e.fields.module === 'everything' && e.fields.topic === 'room:h')).toBe(true);
      }
      expect(h.logger.entries.find((e) => e.fields.event === 'hang')?.fields.error).toBe('did not finish within 200 ms');
      expect(h.logger.entries.find((e) => e.fields.event === 'reassign')?.fields.error).toContain('only allowed in join');
      expect(responseMessages(after)[0]).toMatchObject({ payload: { status: 'ok', response: { assigns: { name: 'Ann' } } } });
    });

    it('still refuses pushes to topics not joined, before any module code runs', async () => {
      // Act
      const response = await h.send(bob, { action: 'push', topic: 'room:other', event: 'whoami', ref: '9' });

      // Assess
      expect(responseMessages(response)[0]).toMatchObject({ payload: { status: 'error', response: { reason: 'not_joined' } } });
    });
  });

  describe('a topic without a module (or without handleIn)', () => {
    it('keeps the built-in behaviour: join admitted, push broadcast as sent, self: false honoured', async () => {
      // Prepare
      const a = await connected(h, 'plain-a');
      const b = await connected(h, 'plain-b');
      await h.send(a, { action: 'join', topic: 'lobby', ref: '1' });
      await h.send(b, { action: 'join', topic: 'news:x', ref: '1' });
      await h.send(a, { action: 'join', topic: 'news:x', ref: '2' });
      h.sender.clear();

      // Act
      const sent = await h.send(a, { action: 'push', topic: 'news:x', event: 'flash', payload: { n: 1 }, self: false, ref: '3' });

      // Assess
      expect(responseMessages(sent)).toEqual([reply('news:x', '3', 'ok', {})]);
      expect(h.sender.messagesFor(b)).toEqual([{ topic: 'news:x', event: 'flash', payload: { n: 1 } }]);
      expect(h.sender.messagesFor(a)).toEqual([]);
      expect(await getItem(table, { pk: `c#${a}`, sk: 's#lobby' })).not.toHaveProperty('channel');
    });
  });

  describe('leave', () => {
    it('runs on leave, disconnect and reaping, with the stored assigns and user, and the reason', async () => {
      // Prepare
      const leaver = await connected(h, 'leaver', 'lee');
      const closer = await connected(h, 'closer');
      const stale = await connected(h, 'stale');
      const sender = await connected(h, 'sender');
      for (const [id, name] of [[leaver, 'Lee'], [closer, 'Cy'], [stale, 'Stan'], [sender, 'Sam']] as const) {
        await h.send(id, { action: 'join', topic: 'room:l', payload: { name }, ref: '1' });
      }
      seen.leaves.length = 0;

      // Act
      await h.send(leaver, { action: 'leave', topic: 'room:l', ref: '2' });
      await h.disconnect(closer);
      h.sender.markGone(stale);
      await h.send(sender, { action: 'push', topic: 'room:l', event: 'shout', payload: {}, ref: '3' });

      // Assess
      expect(seen.leaves).toEqual([
        { topic: 'room:l', reason: 'leave', assigns: { name: 'Lee', role: 'member' }, user: expect.objectContaining({ sub: 'lee' }), connectionId: leaver },
        { topic: 'room:l', reason: 'disconnect', assigns: { name: 'Cy', role: 'member' }, user: null, connectionId: closer },
        { topic: 'room:l', reason: 'gone', assigns: { name: 'Stan', role: 'member' }, user: null, connectionId: stale },
      ]);
    });
  });

  describe('Phoenix V2 frames ($default)', () => {
    it('carry the join response and handleIn error replies in array form', async () => {
      // Prepare
      const phx = await connected(h, 'phx');

      // Act
      await h.send(phx, ['1', '1', 'room:p', 'phx_join', { name: 'Phil' }]);
      const refused = await h.send(phx, ['1', '2', 'room:p', 'refuse', {}]);

      // Assess
      expect(h.sender.messagesFor(phx)[0]).toEqual(['1', '1', 'room:p', 'phx_reply', { status: 'ok', response: { joinedAs: 'Phil', sub: null } }]);
      expect(responseMessages(refused)).toEqual([['1', '2', 'room:p', 'phx_reply', { status: 'error', response: { reason: 'nope', detail: 'refused on purpose' } }]]);
    });
  });

  describe('assigns', () => {
    it('are bounded: a join that assigns more than limits.maxAssignsBytes fails with internal_error', async () => {
      // Prepare
      const greedy: ChannelDefinition = {
        topic: 'big:*',
        join: (_topic, _params, socket) => {
          socket.assign({ blob: 'x'.repeat(200) });
          return { ok: {} };
        },
      };
      const small = harnessWith([greedy], { config: { limits: { maxAssignsBytes: 100 } } });
      const id = await connected(small, 'greedy');

      // Act
      const response = await small.send(id, { action: 'join', topic: 'big:1', ref: '1' });

      // Assess
      expect(responseMessages(response)[0]).toMatchObject({ payload: { status: 'error', response: { reason: 'internal_error' } } });
      expect(small.logger.entries.find((e) => e.message === 'channel callback failed')?.fields.error).toMatch(/assigns would be \d+ bytes; the limit \(limits.maxAssignsBytes\) is 100/);
    });
  });
});
