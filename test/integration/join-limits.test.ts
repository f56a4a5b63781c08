/**
 * Limits that cost work can no longer be bypassed (issue 8, item 4): the topics-per-connection
 * limit holds under concurrent joins (a conditional write on the connection item, not
 * check-then-write), and joins and leaves are rate limited like pushes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../lambdas/core/ports.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asNative, eventsNamed } from '../support/messages.js';
import { installStoreGate, keyOf, reachedOrSettled, text, type StoreGate } from '../support/store-gate.js';
import { getItem, queryPartition, scanTable } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let gate: StoreGate;

beforeAll(async () => {
  table = await startTestTable();
  gate = installStoreGate(table.documentClient);
});

afterAll(async () => {
  await table?.stop();
});

/** The status or error reason of the reply to `ref`, wherever it was sent. */
function outcomeOf(h: Harness, id: string, response: Awaited<ReturnType<Harness['send']>>, ref: string): string {
  const messages = asNative([...responseMessages(response), ...h.sender.messagesFor(id)]);
  const reply = messages.find((message) => message.event === 'phx_reply' && message.ref === ref)?.payload as { status: string; response: { reason?: string } } | undefined;
  return reply?.status === 'ok' ? 'ok' : String(reply?.response.reason);
}

async function heldTopics(id: string): Promise<{ claimed: string[]; connectionRows: number; topicRows: number }> {
  const connection = await getItem(table, { pk: `c#${id}`, sk: 'c' });
  const connectionRows = (await queryPartition(table, `c#${id}`)).filter((item) => String(item.sk).startsWith('s#')).length;
  const topicRows = (await scanTable(table)).filter((item) => String(item.pk).startsWith('t#') && item.sk === id).length;
  return { claimed: Object.keys((connection?.topics ?? {}) as object).sort(), connectionRows, topicRows };
}

describe('the topics-per-connection limit under concurrent joins', () => {
  const LIMIT = 5;
  const JOINS = 40;
  const ROUNDS = 3;

  it(`holds exactly at ${LIMIT} when ${JOINS} joins of different topics arrive at once (${ROUNDS} rounds)`, async () => {
    const h = createHarness(table, { config: { limits: { maxTopicsPerConnection: LIMIT, maxJoinsPerWindow: 1000 } } });
    for (let round = 0; round < ROUNDS; round += 1) {
      // Prepare
      const id = connectionId(`limit${round}`);
      await h.connect(id);

      // Act
      const refs = Array.from({ length: JOINS }, (_, i) => `j${i}`);
      const responses = await Promise.all(refs.map((ref, i) => h.send(id, { action: 'join', topic: `room:limit-${round}-${i}`, ref })));

      // Assess: five accepted, every other join refused, and the table agrees on both sides
      const outcomes = responses.map((response, i) => outcomeOf(h, id, response, refs[i] as string));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(LIMIT);
      expect(outcomes.filter((o) => o === 'too_many_topics')).toHaveLength(JOINS - LIMIT);
      const held = await heldTopics(id);
      expect(held.claimed).toHaveLength(LIMIT);
      expect(held).toMatchObject({ connectionRows: LIMIT, topicRows: LIMIT });

      // Assess: a leave frees a slot, and only one
      const leaveTopic = held.claimed[0] as string;
      expect(outcomeOf(h, id, await h.send(id, { action: 'leave', topic: leaveTopic, ref: 'l' }), 'l')).toBe('ok');
      const again = await Promise.all([0, 1, 2].map((i) => h.send(id, { action: 'join', topic: `room:again-${round}-${i}`, ref: `a${i}` })));
      expect(again.map((response, i) => outcomeOf(h, id, response, `a${i}`)).filter((o) => o === 'ok')).toHaveLength(1);
      await h.disconnect(id);
    }
  });

  it('refuses the second of two joins that both read four held topics before either claimed', async () => {
    // Prepare: a connection at limit - 1
    const h = createHarness(table, { config: { limits: { maxTopicsPerConnection: LIMIT } } });
    const id = connectionId('pair');
    await h.connect(id);
    for (let i = 0; i < LIMIT - 1; i += 1) expect(outcomeOf(h, id, await h.send(id, { action: 'join', topic: `room:pair-${i}`, ref: `p${i}` }), `p${i}`)).toBe('ok');
    const isClaim = (c: { name: string; input: Record<string, unknown> }) =>
      c.name === 'UpdateItemCommand' && keyOf(c) === `c#${id}|c` && text(c, 'UpdateExpression').includes('topics.#topic = seq');

    // Act: hold both joins at their claim, after each has counted and read four topics
    const first = gate.pause(isClaim);
    const firstJoin = h.send(id, { action: 'join', topic: 'room:pair-a', ref: 'a' });
    expect(await reachedOrSettled(first, firstJoin)).toBe(true);
    const second = gate.pause(isClaim);
    const secondJoin = h.send(id, { action: 'join', topic: 'room:pair-b', ref: 'b' });
    expect(await reachedOrSettled(second, secondJoin)).toBe(true);
    first.release();
    second.release();

    // Assess
    const outcomes = [outcomeOf(h, id, await firstJoin, 'a'), outcomeOf(h, id, await secondJoin, 'b')];
    expect(outcomes).toEqual(['ok', 'too_many_topics']);
    expect(await heldTopics(id)).toMatchObject({ connectionRows: LIMIT, topicRows: LIMIT });
  });
});

describe('rate limits on joins and leaves', () => {
  /** A clock the test moves by hand, so windows start and end when it says. */
  function manualClock(startMs: number): Clock & { advance(ms: number): void } {
    let now = startMs;
    return { nowMs: () => now, advance: (ms) => (now += ms) };
  }

  it('counts joins and leaves (refused ones too) in one window, refuses the joins past it with rate_limited but never a leave, and opens again in the next window', async () => {
    // Prepare
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const h = createHarness(table, { clock, config: { limits: { maxJoinsPerWindow: 4, rateLimitWindowSeconds: 10 } } });
    const id = connectionId('rate');
    await h.connect(id);
    const frame = async (action: 'join' | 'leave', topic: string, ref: string) => outcomeOf(h, id, await h.send(id, { action, topic, ref }), ref);

    // Act
    const outcomes = [
      await frame('join', 'room:r1', '1'),
      await frame('leave', 'room:never', '2'),
      await frame('join', 'room:r2', '3'),
      await frame('leave', 'room:r1', '4'),
      await frame('join', 'room:r3', '5'),
      await frame('leave', 'room:r2', '6'),
    ];
    clock.advance(10_000);
    const nextWindow = [await frame('join', 'room:r3', '7'), await frame('leave', 'room:r2', '8')];

    // Assess: four frames in the first window (the refused leave among them), then the join
    // is refused; the leave past the limit is still done (a client that left must stop receiving)
    expect(outcomes).toEqual(['ok', 'not_joined', 'ok', 'ok', 'rate_limited', 'ok']);
    expect(nextWindow).toEqual(['ok', 'not_joined']);
    // The refused join changed nothing: r2 was left in the first window, r3 joined in the next
    expect((await heldTopics(id)).claimed).toEqual(['room:r3']);
  });

  it('300 rejoins with a 900-byte meta reach the other members at most maxJoinsPerWindow times', async () => {
    // Prepare
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const h = createHarness(table, { clock });
    const limit = h.config.limits.maxJoinsPerWindow;
    const [member, attacker] = [connectionId('member'), connectionId('attacker')];
    const topic = `room:flood-${Date.now().toString(36)}`;
    await h.connect(member);
    await h.connect(attacker);
    await h.send(member, { action: 'join', topic, ref: 'm' });
    const meta = { blob: 'x'.repeat(890) };

    // Act
    const outcomes: string[] = [];
    for (let i = 0; i < 300; i += 1) outcomes.push(outcomeOf(h, attacker, await h.send(attacker, { action: 'join', topic, payload: { meta }, ref: `r${i}` }), `r${i}`));

    // Assess
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(limit);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(300 - limit);
    expect(eventsNamed(h.sender.messagesFor(member), 'presence_diff').length).toBeLessThanOrEqual(limit);
  });
});
