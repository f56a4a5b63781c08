/**
 * The store's write protocol under races (docs/infrastructure.md, "Write protocol"), proved
 * against dynalite over HTTP with the real handlers: a client middleware holds one chosen
 * DynamoDB request of one operation until a second operation of the same connection has
 * reached a chosen request of its own, then lets them go in either order. Every pair of
 * steps is forced this way; a randomized run adds jitter to every request on top.
 *
 * After each interleaving, and again after everything disconnects:
 * - a subscription is whole or absent (connection row, topic row and the claim on the
 *   connection item agree), and nothing of a disconnected connection is left;
 * - an observer subscribed to the topic, replaying what it was sent with Phoenix's
 *   presence rules, sees exactly the presences the table holds: every join it saw was
 *   followed by its leave unless that subscription still stands.
 *
 * Forced interleavings: join x $disconnect 70, rejoin x $disconnect 70, rejoin x leave 112
 * (each side held first), rejoin x rejoin 50, leave x $disconnect 40: 342 in all; plus 60
 * randomized runs of 2 to 4 concurrent frames (and a disconnect in half of them) with every
 * request delayed 0-3 ms at random.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDiff, type PresenceDiff, type PresenceState } from '../../lambdas/core/presence.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asNative } from '../support/messages.js';
import { batchKeys, installStoreGate, keyOf, queriedPartition, reachedOrSettled, text, type StoreCall, type StoreGate } from '../support/store-gate.js';
import { getItem, queryPartition, storedJson } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let gate: StoreGate;
let h: Harness;

beforeAll(async () => {
  table = await startTestTable();
  gate = installStoreGate(table.documentClient);
  h = createHarness(table);
});

afterAll(async () => {
  await table?.stop();
});

type Match = (call: StoreCall) => boolean;

/** One run's connections and topics: an observer in `topic`, a racer in `other`. */
interface World {
  readonly topic: string;
  readonly other: string;
  readonly observer: string;
  readonly racer: string;
}

let worlds = 0;
async function world(racerJoined: boolean): Promise<World> {
  worlds += 1;
  const topic = `room:race-${worlds}-${Date.now().toString(36)}`;
  const other = `room:other-${worlds}-${Date.now().toString(36)}`;
  const observer = connectionId(`obs${worlds}`);
  const racer = connectionId(`racer${worlds}`);
  expect((await h.connect(observer)).statusCode).toBe(200);
  expect(await replyTo(observer, { action: 'join', topic, payload: { meta: { who: 'observer' } }, ref: 'o1' })).toBe('ok');
  expect((await h.connect(racer)).statusCode).toBe(200);
  // The racer also holds another topic, so its disconnect always has rows to delete.
  expect(await replyTo(racer, { action: 'join', topic: other, ref: 'r0' })).toBe('ok');
  if (racerJoined) expect(await replyTo(racer, { action: 'join', topic, payload: { meta: { who: 'racer', n: 0 } }, ref: 'r1' })).toBe('ok');
  return { topic, other, observer, racer };
}

/** Sends a frame and returns its reply's status: in the route response, or posted before presence_state. */
async function replyTo(id: string, frame: { ref: string } & Record<string, unknown>): Promise<string | undefined> {
  const messages = [...responseMessages(await h.send(id, frame)), ...h.sender.messagesFor(id)] as { event?: string; ref?: string; payload?: { status?: string } }[];
  return messages.find((message) => message.event === 'phx_reply' && message.ref === frame.ref)?.payload?.status;
}

let refs = 0;
const join = (w: World) => () => h.send(w.racer, { action: 'join', topic: w.topic, payload: { meta: { who: 'racer', n: (refs += 1) } }, ref: `j${refs}` });
const leave = (w: World) => () => h.send(w.racer, { action: 'leave', topic: w.topic, ref: `l${(refs += 1)}` });
const disconnect = (w: World) => () => h.disconnect(w.racer);

/** The DynamoDB requests of a join, in protocol order. */
function joinSteps(w: World): Record<string, Match> {
  const connection = `c#${w.racer}|c`;
  return {
    count: (c) => c.name === 'UpdateItemCommand' && keyOf(c) === connection && text(c, 'UpdateExpression').startsWith('SET #now'),
    claim: (c) => c.name === 'UpdateItemCommand' && keyOf(c) === connection && text(c, 'UpdateExpression').includes('topics.#topic = seq'),
    connectionRow: (c) => c.name === 'PutItemCommand' && keyOf(c) === `c#${w.racer}|s#${w.topic}`,
    topicRow: (c) => c.name === 'PutItemCommand' && keyOf(c) === `t#${w.topic}#0|${w.racer}`,
    members: (c) => queriedPartition(c) === `t#${w.topic}#0` && text(c, 'ProjectionExpression').includes('#presenceKey'),
    check: (c) => c.name === 'GetItemCommand' && keyOf(c) === connection && text(c, 'ProjectionExpression').includes('topics'),
    undo: (c) => c.name === 'DeleteItemCommand' && text(c, 'ConditionExpression') === 'v = :v' && [`c#${w.racer}|s#${w.topic}`, `t#${w.topic}#0|${w.racer}`].includes(keyOf(c)),
  };
}

function leaveSteps(w: World): Record<string, Match> {
  const deletes = (key: string): Match => (c) => c.name === 'DeleteItemCommand' && keyOf(c) === key && text(c, 'ConditionExpression').includes('v < :v');
  return {
    release: (c) => c.name === 'UpdateItemCommand' && keyOf(c) === `c#${w.racer}|c` && text(c, 'UpdateExpression').includes('REMOVE topics.#topic'),
    connectionRow: deletes(`c#${w.racer}|s#${w.topic}`),
    topicRow: deletes(`t#${w.topic}#0|${w.racer}`),
    announce: (c) => queriedPartition(c) === `t#${w.topic}#0` && !text(c, 'ProjectionExpression').includes('#presenceKey'),
  };
}

function disconnectSteps(w: World): Record<string, Match> {
  return {
    close: (c) => c.name === 'DeleteItemCommand' && keyOf(c) === `c#${w.racer}|c` && text(c, 'ConditionExpression') === '',
    read: (c) => queriedPartition(c) === `c#${w.racer}`,
    topicRows: (c) => batchKeys(c).some((key) => key.startsWith('t#') && key.endsWith(`|${w.racer}`)),
    connectionRows: (c) => batchKeys(c).some((key) => key.startsWith(`c#${w.racer}|s#`)),
    announce: (c) => [`t#${w.topic}#0`, `t#${w.other}#0`].includes(queriedPartition(c) ?? '') && !text(c, 'ProjectionExpression').includes('#presenceKey'),
  };
}

interface Side {
  readonly start: () => Promise<unknown>;
  readonly at: Match;
}

/**
 * Starts `first` and holds it at its step, starts `second` and holds it at its step, then
 * resumes them one after the other in `resume` order. A step an operation never reaches
 * (a refused join sends no Put) lets it finish instead.
 */
async function force(first: Side, second: Side, resume: 'first' | 'second'): Promise<void> {
  const firstPause = gate.pause(first.at);
  const firstRun = first.start();
  const firstHeld = await reachedOrSettled(firstPause, firstRun);
  if (!firstHeld) firstPause.cancel();
  const secondPause = gate.pause(second.at);
  const secondRun = second.start();
  const secondHeld = await reachedOrSettled(secondPause, secondRun);
  if (!secondHeld) secondPause.cancel();
  const order = resume === 'first' ? [firstPause, secondPause] : [secondPause, firstPause];
  const runs = resume === 'first' ? [firstRun, secondRun] : [secondRun, firstRun];
  for (let i = 0; i < 2; i += 1) {
    order[i]?.release();
    await runs[i];
  }
}

/** Items of one partition, as `sk` values. */
async function sortKeys(pk: string): Promise<string[]> {
  return (await queryPartition(table, pk)).map((item) => String(item.sk)).sort();
}

/** A subscription is whole or absent: connection row, topic row and claim agree. */
async function expectWholeOrAbsent(w: World): Promise<boolean> {
  const connectionRow = await getItem(table, { pk: `c#${w.racer}`, sk: `s#${w.topic}` });
  const topicRow = await getItem(table, { pk: `t#${w.topic}#0`, sk: w.racer });
  const connection = await getItem(table, { pk: `c#${w.racer}`, sk: 'c' });
  const claimed = connection !== undefined && Object.hasOwn((connection.topics ?? {}) as object, w.topic);
  expect({ connectionRow: connectionRow !== undefined, topicRow: topicRow !== undefined }).toEqual({ connectionRow: claimed, topicRow: claimed });
  if (connectionRow && topicRow) expect(connectionRow.v).toBe(topicRow.v);
  return claimed;
}

/** The observer's presence after replaying its presence_state and every diff it was sent, in order. */
function observerView(w: World): PresenceState {
  let state: PresenceState = {};
  for (const message of asNative(h.sender.messagesFor(w.observer))) {
    if (message.topic !== w.topic) continue;
    if (message.event === 'presence_state') state = message.payload as PresenceState;
    if (message.event === 'presence_diff') state = applyDiff(state, message.payload as PresenceDiff);
  }
  return state;
}

/** What the table says the topic's presence is. */
async function tablePresence(w: World): Promise<Record<string, string[]>> {
  const presence: Record<string, string[]> = {};
  for (const item of await queryPartition(table, `t#${w.topic}#0`)) {
    const meta = storedJson(item.meta) as { phx_ref: string };
    (presence[String(item.presenceKey)] ??= []).push(meta.phx_ref);
  }
  return normalise(presence);
}

function viewRefs(state: PresenceState): Record<string, string[]> {
  return normalise(Object.fromEntries(Object.entries(state).map(([key, { metas }]) => [key, metas.map((meta) => meta.phx_ref)])));
}

function normalise(presence: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(presence).map(([key, refs]) => [key, [...refs].sort()]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/** The end of every run: consistent now, then after everyone disconnects, nothing left. */
async function expectCleanEnd(w: World): Promise<void> {
  await expectWholeOrAbsent(w);
  expect(viewRefs(observerView(w))).toEqual(await tablePresence(w));
  await h.disconnect(w.racer);
  expect(await sortKeys(`c#${w.racer}`)).toEqual([]);
  expect(viewRefs(observerView(w))).toEqual(await tablePresence(w));
  expect(Object.keys(observerView(w))).toEqual([w.observer]);
  await h.disconnect(w.observer);
  for (const pk of [`c#${w.observer}`, `t#${w.topic}#0`, `t#${w.other}#0`]) expect(await sortKeys(pk)).toEqual([]);
  expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
}

const orders = ['first', 'second'] as const;
function schedules(a: readonly string[], b: readonly string[]): [string, string, 'first' | 'second'][] {
  return a.flatMap((x) => b.flatMap((y) => orders.map((order) => [x, y, order] as [string, string, 'first' | 'second'])));
}

const JOIN_STEPS = ['count', 'claim', 'connectionRow', 'topicRow', 'members', 'check', 'undo'];
const LEAVE_STEPS = ['release', 'connectionRow', 'topicRow', 'announce'];
const DISCONNECT_STEPS = ['close', 'read', 'topicRows', 'connectionRows', 'announce'];

describe.concurrent('join racing $disconnect of the same connection (issue 8, item 2)', () => {
  const cases = [false, true].flatMap((rejoin) => schedules(JOIN_STEPS, DISCONNECT_STEPS).map(([j, d, order]) => [rejoin ? 'rejoin' : 'join', j, d, order, rejoin] as const));
  it.each(cases)('%s held at %s, $disconnect held at %s, %s resumes first: no orphan, every join seen (and replaced) has its leave', async (_kind, j, d, order, rejoin) => {
    const w = await world(rejoin);
    await force({ start: join(w), at: joinSteps(w)[j] as Match }, { start: disconnect(w), at: disconnectSteps(w)[d] as Match }, order);
    // The disconnect has run: nothing of the racer may be left, on either side.
    expect(await sortKeys(`c#${w.racer}`)).toEqual([]);
    expect(await getItem(table, { pk: `t#${w.topic}#0`, sk: w.racer })).toBeUndefined();
    await expectCleanEnd(w);
  });
});

describe.concurrent('leave racing a rejoin on one connection (issue 8, item 3)', () => {
  it.each(schedules(JOIN_STEPS, LEAVE_STEPS))('rejoin held at %s, leave held at %s, %s resumes first: whole or absent, presence matches the table', async (j, l, order) => {
    const w = await world(true);
    await force({ start: join(w), at: joinSteps(w)[j] as Match }, { start: leave(w), at: leaveSteps(w)[l] as Match }, order);
    await expectCleanEnd(w);
  });

  it.each(schedules(LEAVE_STEPS, JOIN_STEPS))('leave held at %s, rejoin held at %s, %s resumes first: whole or absent, presence matches the table', async (l, j, order) => {
    const w = await world(true);
    await force({ start: leave(w), at: leaveSteps(w)[l] as Match }, { start: join(w), at: joinSteps(w)[j] as Match }, order);
    await expectCleanEnd(w);
  });
});

describe.concurrent('two rejoins of one topic racing each other', () => {
  const steps = ['claim', 'connectionRow', 'topicRow', 'members', 'check'];
  it.each(schedules(steps, steps))('first held at %s, second held at %s, %s resumes first: one whole subscription, presence matches the table', async (a, b, order) => {
    const w = await world(true);
    await force({ start: join(w), at: joinSteps(w)[a] as Match }, { start: join(w), at: joinSteps(w)[b] as Match }, order);
    expect(await expectWholeOrAbsent(w)).toBe(true);
    await expectCleanEnd(w);
  });
});

describe.concurrent('leave racing $disconnect', () => {
  it.each(schedules(LEAVE_STEPS, DISCONNECT_STEPS))('leave held at %s, $disconnect held at %s, %s resumes first: nothing left, presence matches', async (l, d, order) => {
    const w = await world(true);
    await force({ start: leave(w), at: leaveSteps(w)[l] as Match }, { start: disconnect(w), at: disconnectSteps(w)[d] as Match }, order);
    expect(await sortKeys(`c#${w.racer}`)).toEqual([]);
    await expectCleanEnd(w);
  });
});

describe('randomized: joins, leaves, rejoins and a disconnect at once, every request jittered', () => {
  const RUNS = 60;
  const AT_ONCE = 4;
  it(`${RUNS} runs end whole, consistent and empty`, { timeout: 180_000 }, async () => {
    const removeJitter = gate.intercept(async (_call, proceed) => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));
      return proceed();
    });
    const run = async () => {
      const w = await world(Math.random() < 0.5);
      const frames = Array.from({ length: 2 + Math.floor(Math.random() * 3) }, () => (Math.random() < 0.6 ? join(w) : leave(w)));
      const operations = frames.map((frame) => frame());
      if (Math.random() < 0.5) operations.push(disconnect(w)());
      await Promise.all(operations);
      await expectCleanEnd(w);
    };
    try {
      for (let done = 0; done < RUNS; done += AT_ONCE) await Promise.all(Array.from({ length: AT_ONCE }, run));
    } finally {
      removeJitter();
    }
  });
});
