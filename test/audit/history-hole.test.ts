/**
 * Regression (issue 18, item 12; started as the audit's repro of both defects):
 * - a publisher that fails between taking a seq and storing the message leaves a hole; a
 *   replaying join whose gap starts at the hole must not report `truncated: true`, since
 *   retention dropped nothing (and still must when retention did);
 * - a push whose subscriber read fails after the append answers internal_error; the
 *   client's retry must not leave the message twice in history.
 */
import { describe, expect, it } from 'vitest';
import { publish } from '../../lambdas/core/use-cases/publish.js';
import { keyOf, queriedPartition, useGatedTable } from '../support/store-gate.js';
import { asNative } from '../support/messages.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

const db = useGatedTable();

const throttled = (name: string) => Object.assign(new Error('throttled'), { name, $metadata: { httpStatusCode: 400 } });

/** Fails the next message PutItem of the topic (its publisher dies, or is throttled, after taking its seq). */
function failNextMessagePut(topic: string): () => void {
  let armed = true;
  return db.gate.intercept(async (call, proceed) => {
    if (armed && call.name === 'PutItemCommand' && keyOf(call).startsWith(`h#${topic}|0`)) {
      armed = false;
      throw throttled('ProvisionedThroughputExceededException');
    }
    return proceed();
  });
}

async function joinReply(h: Harness, topic: string, since: number, id: string): Promise<{ response: Record<string, unknown>; replayed: unknown[] }> {
  const x = connectionId(id);
  await h.connect(x);
  const res = await h.send(x, { action: 'join', topic, payload: { since }, ref: '1' });
  const frames = [...responseMessages(res), ...asNative(h.sender.messagesFor(x))] as { event: string; payload: any }[];
  const reply = frames.find((m) => m.event === 'phx_reply');
  return { response: reply?.payload.response, replayed: frames.filter((m) => m.event === 'm').map((m) => m.payload) };
}

describe('history holes and failed broadcasts', () => {
  it('a seq hole at since+1 is not reported as truncated', async () => {
    const h = createHarness(db.table, { config: { history: { 'room:*': { maxMessages: 100 } } } });
    const topic = `room:hole-${Date.now()}`;
    const s1 = (await publish(h.deps, { topic, event: 'm', payload: { n: 1 } })).seq as number;
    const remove = failNextMessagePut(topic);
    await expect(publish(h.deps, { topic, event: 'm', payload: { n: 2 } })).rejects.toThrow('throttled');
    remove();
    const s3 = (await publish(h.deps, { topic, event: 'm', payload: { n: 3 } })).seq as number;
    expect(s3).toBe(s1 + 2);

    const { response, replayed } = await joinReply(h, topic, s1, 'r');

    expect(response).toEqual({ replayed: 1, truncated: false, seq: s3 });
    expect(replayed).toEqual([{ n: 3 }]);
    // Since 0 (no anchor; the epoch is younger than its TTL): the same hole is no loss either.
    expect((await joinReply(h, topic, 0, 'r0')).response).toEqual({ replayed: 2, truncated: false, seq: s3 });
  });

  it('still reports truncated when retention by count cut the gap, hole or not', async () => {
    const h = createHarness(db.table, { config: { history: { 'room:*': { maxMessages: 2 } } } });
    const topic = `room:hole-count-${Date.now()}`;
    const s1 = (await publish(h.deps, { topic, event: 'm', payload: { n: 1 } })).seq as number;
    for (let n = 2; n <= 4; n += 1) await publish(h.deps, { topic, event: 'm', payload: { n } });

    const { response, replayed } = await joinReply(h, topic, s1, 'c');

    expect(response).toMatchObject({ replayed: 2, truncated: true });
    expect(replayed).toEqual([{ n: 3 }, { n: 4 }]);
  });

  it('a push whose subscriber read failed is not kept: the retry is the only copy in history', async () => {
    const h = createHarness(db.table, { config: { history: { 'room:*': { maxMessages: 100 } } } });
    const topic = `room:retry-${Date.now()}`;
    const before = (await publish(h.deps, { topic, event: 'm', payload: { n: 0 } })).seq as number;
    const p = connectionId('p');
    await h.connect(p);
    await h.send(p, { action: 'join', topic, ref: 'j' });
    let failRead = true;
    const remove = db.gate.intercept(async (call, proceed) => {
      if (failRead && queriedPartition(call) === `t#${topic}#0`) {
        failRead = false;
        throw throttled('ThrottlingException');
      }
      return proceed();
    });
    const first = responseMessages(await h.send(p, { action: 'push', topic, event: 'say', payload: { text: 'once' }, ref: 'a' })) as any[];
    remove();
    await h.send(p, { action: 'push', topic, event: 'say', payload: { text: 'once' }, ref: 'b' });

    expect(first[0]?.payload).toMatchObject({ status: 'error', response: { reason: 'internal_error' } });
    const history = await h.deps.history.read(topic, { since: 0 });
    const says = history?.messages.filter((m) => m.event === 'say') ?? [];
    expect(says.map((m) => m.payload)).toEqual([{ text: 'once' }]);
    // The discarded seq is a hole: a join from before it replays the one copy, and is not truncated.
    expect(says[0]?.seq).toBe(before + 2);
    const { response } = await joinReply(h, topic, before, 'late');
    expect(response).toEqual({ replayed: 1, truncated: false, seq: before + 2 });
  });

  it('says which seq stays in history when discarding the failed broadcast fails too', async () => {
    const h = createHarness(db.table, { config: { history: { 'room:*': { maxMessages: 100 } } } });
    const topic = `room:retry-twice-${Date.now()}`;
    const before = (await publish(h.deps, { topic, event: 'm', payload: { n: 0 } })).seq as number;
    let puts = 0;
    const remove = db.gate.intercept(async (call, proceed) => {
      if (queriedPartition(call) === `t#${topic}#0`) throw throttled('ThrottlingException');
      // The message's PutItem goes through; the discard mark's (the second) fails.
      if (call.name === 'PutItemCommand' && keyOf(call).startsWith(`h#${topic}|0`) && (puts += 1) === 2) throw throttled('ProvisionedThroughputExceededException');
      return proceed();
    });
    const failure = await publish(h.deps, { topic, event: 'm', payload: { n: 1 } }).catch((error: unknown) => error);
    remove();

    expect(failure).toBeInstanceOf(AggregateError);
    expect(String((failure as Error).message)).toContain(`seq ${before + 1} stays in history`);
  });
});
