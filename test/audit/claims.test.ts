/**
 * Regressions (issue 18, items 9 and 10): a channel module's join and leave pair up (one
 * `leave` for every admitted join that ends without the topic, none while a newer join
 * holds it), a join that fails after its claim gives the claim back, and a topic row left
 * without its connection row is removed by `$disconnect` through the claimed-topics map.
 */
import { expect, it } from 'vitest';
import type { ChannelDefinition } from '../../lambdas/core/channels/definition.js';
import { keyOf, reachedOrSettled, text, type StoreCall, useGatedTable } from '../support/store-gate.js';
import { getItem, itemsOfConnection, queryPartition } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

const db = useGatedTable();

type Frame = { event?: string; ref?: string; payload?: { status?: string; response?: { reason?: string }; joins?: object; leaves?: object } };

async function replyOf(h: Harness, id: string, frame: Record<string, unknown> & { ref: string }): Promise<Frame['payload']> {
  const messages = [...responseMessages(await h.send(id, frame)), ...h.sender.messagesFor(id)] as Frame[];
  return messages.filter((m) => m.event === 'phx_reply' && m.ref === frame.ref).map((m) => m.payload).at(-1);
}

const timedOut = () => Object.assign(new Error('Task timed out'), { name: 'TimeoutError' });

/** A module that logs `join <conn>` and `leave <conn> <reason>`. */
function loggingModule(topic: string, calls: string[], onJoin?: ChannelDefinition['join']): ChannelDefinition {
  return {
    topic,
    async join(t, params, socket) {
      calls.push(`join ${socket.connectionId}`);
      return onJoin ? onJoin(t, params, socket) : { ok: {} };
    },
    leave(_t, socket, reason) {
      calls.push(`leave ${socket.connectionId} ${reason}`);
    },
  };
}

it('a module join whose claim fails because the connection is closing gets its leave (disconnect)', async () => {
  // Prepare: the module broadcasts from its join, so members see it
  const calls: string[] = [];
  const h = createHarness(db.table, {
    channels: [
      loggingModule('game:*', calls, async (_t, _p, socket) => {
        await socket.broadcast('player_joined', { id: socket.connectionId });
        return { ok: {} };
      }),
    ],
  });
  const topic = `game:${Date.now()}`;
  const [other, x] = [connectionId('other'), connectionId('x')];
  await h.connect(other);
  await h.connect(x);
  await replyOf(h, other, { action: 'join', topic, ref: '1' });

  // Act: the socket closes while the join is between its module join and its claim
  const claim = db.gate.pause((c) => c.name === 'UpdateItemCommand' && keyOf(c) === `c#${x}|c` && text(c, 'UpdateExpression').includes('topics.#topic = seq'));
  const joining = h.send(x, { action: 'join', topic, ref: 'j' });
  expect(await reachedOrSettled(claim, joining)).toBe(true);
  await h.disconnect(x);
  claim.release();
  const reply = [...responseMessages(await joining), ...h.sender.messagesFor(x)].find((m) => (m as Frame).ref === 'j') as Frame;

  // Assess: refused, and the module heard join then exactly one leave
  expect(reply.payload?.status).toBe('error');
  expect(calls.filter((c) => c.includes(x))).toEqual([`join ${x}`, `leave ${x} disconnect`]);
});

it('two joins racing for the last topic slot: the module join of the refused one gets its leave', async () => {
  // Prepare
  const calls: string[] = [];
  const h = createHarness(db.table, { config: { limits: { maxTopicsPerConnection: 1 } }, channels: [loggingModule('lim:*', calls)] });
  const x = connectionId('lim');
  await h.connect(x);

  // Act
  const replies = await Promise.all([replyOf(h, x, { action: 'join', topic: 'lim:a', ref: '1' }), replyOf(h, x, { action: 'join', topic: 'lim:b', ref: '2' })]);

  // Assess: one ok, one too_many_topics; two module joins, one leave (the refused one's)
  expect(replies.map((r) => r?.status).sort()).toEqual(['error', 'ok']);
  expect(replies.find((r) => r?.status === 'error')?.response?.reason).toBe('too_many_topics');
  expect(calls.filter((c) => c.startsWith('join'))).toHaveLength(2);
  expect(calls.filter((c) => c.startsWith('leave'))).toEqual([`leave ${x} leave`]);
});

it('a join that fails after its claim gives the claim back: the topic limit is not used up', async () => {
  // Prepare
  const h = createHarness(db.table, { config: { limits: { maxTopicsPerConnection: 2 } } });
  const x = connectionId('leak');
  await h.connect(x);
  const remove = db.gate.intercept(async (call, proceed) => {
    if (call.name === 'PutItemCommand' && keyOf(call).startsWith('t#room:dies-') && keyOf(call).endsWith(`|${x}`)) throw timedOut();
    return proceed();
  });

  // Act: two joins fail at their first row write, then a third topic is joined
  const failed = [await replyOf(h, x, { action: 'join', topic: 'room:dies-1', ref: '1' }), await replyOf(h, x, { action: 'join', topic: 'room:dies-2', ref: '2' })];
  remove();
  const later = await replyOf(h, x, { action: 'join', topic: 'room:fine', ref: '3' });

  // Assess
  expect(failed.map((r) => r?.response?.reason)).toEqual(['internal_error', 'internal_error']);
  expect(later?.status).toBe('ok');
  expect(Object.keys((await getItem(db.table, { pk: `c#${x}`, sk: 'c' }))?.topics as object)).toEqual(['room:fine']);
  expect((await itemsOfConnection(db.table, x)).filter((i) => `${String(i.pk)}|${String(i.sk)}`.includes('room:dies-'))).toEqual([]);
});

it('a join that fails between its two row writes removes its topic row and announces its leave', async () => {
  // Prepare
  const h = createHarness(db.table, { config: { presence: { windowMs: 0 } } });
  const topic = `room:half-${Date.now()}`;
  const [member, x] = [connectionId('member'), connectionId('half')];
  await h.connect(member);
  await h.connect(x);
  await replyOf(h, member, { action: 'join', topic, ref: '1' });
  const remove = db.gate.intercept(async (call, proceed) => {
    if (call.name === 'PutItemCommand' && keyOf(call) === `c#${x}|s#${topic}`) throw timedOut();
    return proceed();
  });

  // Act
  const reply = await replyOf(h, x, { action: 'join', topic, payload: { meta: { who: 'x' } }, ref: 'j' });
  remove();
  h.sender.clear();
  await h.send(member, { action: 'push', topic, event: 'shout', payload: {}, ref: 'p' });

  // Assess: an error, and true: no row, no delivery, no claim
  expect(reply?.response?.reason).toBe('internal_error');
  expect((await queryPartition(db.table, `t#${topic}#0`)).map((i) => i.sk)).toEqual([member]);
  expect(h.sender.messagesFor(x).filter((m) => (m as Frame).event === 'shout')).toHaveLength(0);
  expect((await getItem(db.table, { pk: `c#${x}`, sk: 'c' }))?.topics).toEqual({});
});

it('a topic row whose join died before its connection row (and its undo) is removed by $disconnect through the claimed-topics map', async () => {
  // Prepare
  const h = createHarness(db.table, { config: { presence: { windowMs: 0 } } });
  const topic = `room:orphan-${Date.now()}`;
  const [member, x] = [connectionId('member'), connectionId('orph')];
  await h.connect(member);
  await h.connect(x);
  await replyOf(h, member, { action: 'join', topic, ref: '1' });
  // The Lambda "dies" after its topic row: its connection row and every undo request fail.
  const undo = (call: StoreCall) =>
    (call.name === 'PutItemCommand' && keyOf(call) === `c#${x}|s#${topic}`) ||
    (call.name === 'DeleteItemCommand' && (keyOf(call) === `t#${topic}#0|${x}` || keyOf(call) === `c#${x}|s#${topic}`)) ||
    (call.name === 'UpdateItemCommand' && keyOf(call) === `c#${x}|c` && text(call, 'ConditionExpression').includes('topics.#topic = :v'));
  let dying = true;
  const remove = db.gate.intercept(async (call, proceed) => {
    if (dying && undo(call)) throw timedOut();
    return proceed();
  });
  await replyOf(h, x, { action: 'join', topic, payload: { meta: { who: 'x' } }, ref: 'j' });
  dying = false;
  remove();
  expect((await queryPartition(db.table, `t#${topic}#0`)).map((i) => i.sk)).toContain(x);
  h.sender.clear();

  // Act
  await h.disconnect(x);

  // Assess: the half subscription is gone, and the member was told x left
  expect((await queryPartition(db.table, `t#${topic}#0`)).map((i) => i.sk)).toEqual([member]);
  expect(await itemsOfConnection(db.table, x)).toEqual([]);
  const leaves = h.sender.messagesFor(member).filter((m) => (m as Frame).event === 'presence_diff').flatMap((m) => Object.keys((m as Frame).payload?.leaves ?? {}));
  expect(leaves).toContain(x);
});

it('racing rejoins: join, join and no leave while the connection stays subscribed; one leave when it leaves', async () => {
  // Prepare
  const calls: string[] = [];
  const h = createHarness(db.table, {
    channels: [{ topic: 'race:*', join: async (_t, p) => (calls.push(`join ${String((p as { n?: unknown }).n)}`), { ok: {} }), leave: (_t, _s, reason) => void calls.push(`leave ${reason}`) }],
  });
  const topic = `race:${Date.now()}`;
  const x = connectionId('rr');
  await h.connect(x);

  // Act: J1 holds before its check; J2 claims after J1 and holds before its connection row
  const j1Check = db.gate.pause((c) => c.name === 'GetItemCommand' && keyOf(c) === `c#${x}|c` && text(c, 'ProjectionExpression').includes('topics'));
  const j1 = h.send(x, { action: 'join', topic, payload: { n: 1 }, ref: '1' });
  expect(await reachedOrSettled(j1Check, j1)).toBe(true);
  const j2ConnRow = db.gate.pause((c) => c.name === 'PutItemCommand' && keyOf(c) === `c#${x}|s#${topic}`);
  const j2 = h.send(x, { action: 'join', topic, payload: { n: 2 }, ref: '2' });
  expect(await reachedOrSettled(j2ConnRow, j2)).toBe(true);
  j1Check.release();
  await j1;
  j2ConnRow.release();
  await j2;
  const whileSubscribed = [...calls];
  const rows = (await itemsOfConnection(db.table, x)).map((r) => r.sk);
  await h.send(x, { action: 'leave', topic, ref: '3' });

  // Assess
  expect(whileSubscribed).toEqual(['join 1', 'join 2']);
  expect(rows).toContain(`s#${topic}`);
  expect(calls).toEqual(['join 1', 'join 2', 'leave leave']);
});

it('a leave that removes the topic row while the join it ends has yet to write its connection row: one module leave', async () => {
  // Prepare
  const calls: string[] = [];
  const h = createHarness(db.table, { channels: [loggingModule('split:*', calls)] });
  const topic = `split:${Date.now()}`;
  const x = connectionId('split');
  await h.connect(x);

  // Act: the join holds before its connection row; a leave sent after it runs whole (it finds the topic row only)
  const connRow = db.gate.pause((c) => c.name === 'PutItemCommand' && keyOf(c) === `c#${x}|s#${topic}`);
  const joining = h.send(x, { action: 'join', topic, ref: '1' });
  expect(await reachedOrSettled(connRow, joining)).toBe(true);
  const leave = await replyOf(h, x, { action: 'leave', topic, ref: '2' });
  connRow.release();
  const joined = [...responseMessages(await joining), ...h.sender.messagesFor(x)].find((m) => (m as Frame).event === 'phx_reply' && (m as Frame).ref === '1') as Frame;

  // Assess: the leave and the join's undo each removed one row; the module heard one leave
  expect(leave?.status).toBe('ok');
  expect(joined.payload?.response?.reason).toBe('join_interrupted');
  expect(calls).toEqual([`join ${x}`, `leave ${x} leave`]);
  expect((await itemsOfConnection(db.table, x)).map((r) => r.sk)).toEqual(['c']);
});

it('a leave racing a rejoin that has yet to write its connection row: the rejoin never replaced the first row, so each join gets one leave', async () => {
  // Prepare
  const calls: string[] = [];
  const h = createHarness(db.table, { channels: [loggingModule('split2:*', calls)] });
  const topic = `split2:${Date.now()}`;
  const x = connectionId('split2');
  await h.connect(x);
  await replyOf(h, x, { action: 'join', topic, ref: '1' });

  // Act: a rejoin holds before its connection row; a leave then runs whole
  const connRow = db.gate.pause((c) => c.name === 'PutItemCommand' && keyOf(c) === `c#${x}|s#${topic}`);
  const rejoin = h.send(x, { action: 'join', topic, ref: '2' });
  expect(await reachedOrSettled(connRow, rejoin)).toBe(true);
  await replyOf(h, x, { action: 'leave', topic, ref: '3' });
  connRow.release();
  await rejoin;

  // Assess
  expect(calls).toEqual([`join ${x}`, `join ${x}`, `leave ${x} leave`, `leave ${x} leave`]);
  expect((await itemsOfConnection(db.table, x)).map((r) => r.sk)).toEqual(['c']);
});

it('$disconnect racing a join that undoes itself: one module leave', async () => {
  // Prepare
  const calls: string[] = [];
  const h = createHarness(db.table, { channels: [loggingModule('close:*', calls)] });
  const topic = `close:${Date.now()}`;
  const x = connectionId('close');
  await h.connect(x);

  // Act: the join holds before its check; $disconnect reads both rows and holds before deleting the connection row;
  // the join then finds the connection closed and deletes its own rows first
  const check = db.gate.pause((c) => c.name === 'GetItemCommand' && keyOf(c) === `c#${x}|c` && text(c, 'ProjectionExpression').includes('topics'));
  const joining = h.send(x, { action: 'join', topic, ref: '1' });
  expect(await reachedOrSettled(check, joining)).toBe(true);
  const removalDelete = db.gate.pause((c) => c.name === 'DeleteItemCommand' && keyOf(c) === `c#${x}|s#${topic}` && c.input.ConditionExpression === undefined);
  const closing = h.disconnect(x);
  expect(await reachedOrSettled(removalDelete, closing)).toBe(true);
  check.release();
  await joining;
  removalDelete.release();
  await closing;

  // Assess
  expect(calls).toEqual([`join ${x}`, `leave ${x} disconnect`]);
  expect(await itemsOfConnection(db.table, x)).toEqual([]);
});
