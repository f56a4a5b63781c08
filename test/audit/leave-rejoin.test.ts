/**
 * Regression (issue 18, item 6): a client sends leave then join (Phoenix: channel.leave();
 * socket.channel(t).join()). API Gateway runs both at once; the join claims first, the
 * leave releases after it. The join's check then finds its claim released: it must not
 * answer ok, because the connection is not subscribed. It answers `join_interrupted` (a
 * Phoenix client then rejoins by itself), and ok stays reserved for a subscribed connection.
 */
import { expect, it } from 'vitest';
import { keyOf, reachedOrSettled, text, useGatedTable } from '../support/store-gate.js';
import { getItem, queryPartition } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages } from '../support/topicast-harness.js';

const db = useGatedTable();

type Frame = { event?: string; ref?: string; payload: { status?: string; response?: { reason?: string } } };

it('a join overtaken by an earlier-sent leave answers join_interrupted, holds nothing, and a rejoin then subscribes', async () => {
  // Prepare: x and another member joined
  const h = createHarness(db.table);
  const topic = `room:lr-${Date.now()}`;
  const x = connectionId('x');
  const other = connectionId('o');
  await h.connect(x);
  await h.connect(other);
  await h.send(other, { action: 'join', topic, ref: '1' });
  await h.send(x, { action: 'join', topic, ref: '1' });

  // Act: leave (ref 2) and join (ref 3) at once; the leave's release lands between the join's claim and its check
  const release = db.gate.pause((c) => c.name === 'UpdateItemCommand' && keyOf(c) === `c#${x}|c` && text(c, 'UpdateExpression').includes('REMOVE topics.#topic'));
  const leaving = h.send(x, { action: 'leave', topic, ref: '2' });
  expect(await reachedOrSettled(release, leaving)).toBe(true);
  const check = db.gate.pause((c) => c.name === 'GetItemCommand' && keyOf(c) === `c#${x}|c` && text(c, 'ProjectionExpression').includes('topics'));
  const joining = h.send(x, { action: 'join', topic, ref: '3' });
  expect(await reachedOrSettled(check, joining)).toBe(true);
  release.release();
  const leaveResponse = await leaving;
  check.release();
  const joinResponse = await joining;
  const replies = [...responseMessages(leaveResponse), ...responseMessages(joinResponse), ...h.sender.messagesFor(x)].filter(
    (m) => (m as Frame).event === 'phx_reply' && ['2', '3'].includes(String((m as Frame).ref)),
  ) as Frame[];
  h.sender.clear();
  await h.send(other, { action: 'push', topic, event: 'shout', payload: {}, ref: 'p' });
  const got = h.sender.messagesFor(x).filter((m) => (m as Frame).event === 'shout').length;

  // Assess: the leave is ok; the join is an error naming why, and it is true: nothing is held, nothing delivered
  expect(replies.find((m) => m.ref === '2')?.payload.status).toBe('ok');
  const join = replies.find((m) => m.ref === '3');
  expect(join?.payload.status).toBe('error');
  expect(join?.payload.response?.reason).toBe('join_interrupted');
  expect((await getItem(db.table, { pk: `c#${x}`, sk: 'c' }))?.topics).toEqual({});
  expect((await queryPartition(db.table, `t#${topic}#0`)).map((r) => r.sk)).toEqual([other]);
  expect(got).toBe(0);

  // Assess: joining again (what Phoenix's rejoin timer does) subscribes
  await h.send(x, { action: 'join', topic, ref: '4' });
  h.sender.clear();
  await h.send(other, { action: 'push', topic, event: 'shout', payload: {}, ref: 'q' });
  expect(h.sender.messagesFor(x).filter((m) => (m as Frame).event === 'shout')).toHaveLength(1);
});

it('leave and join at once: the join answers ok exactly when the connection ends subscribed', async () => {
  // Prepare
  const h = createHarness(db.table);
  const topic = `room:lr2-${Date.now()}`;
  const [x, other] = [connectionId('x'), connectionId('o')];
  await h.connect(x);
  await h.connect(other);
  await h.send(other, { action: 'join', topic, ref: '1' });
  await h.send(x, { action: 'join', topic, ref: '1' });

  // Act: the leave releases first, the join claims after it
  const [, joined] = await Promise.all([h.send(x, { action: 'leave', topic, ref: '2' }), h.send(x, { action: 'join', topic, ref: '3' })]);
  const joinReply = [...responseMessages(joined), ...h.sender.messagesFor(x)].find((m) => (m as Frame).event === 'phx_reply' && (m as Frame).ref === '3') as Frame | undefined;
  h.sender.clear();
  await h.send(other, { action: 'push', topic, event: 'shout', payload: {}, ref: 'p' });

  // Assess: whichever order the two ran in, the join's ok is true: x holds the topic and receives
  const item = await getItem(db.table, { pk: `c#${x}`, sk: 'c' });
  const subscribed = Object.hasOwn((item?.topics ?? {}) as object, topic);
  expect(joinReply?.payload.status === 'ok').toBe(subscribed);
  expect(h.sender.messagesFor(x).filter((m) => (m as Frame).event === 'shout')).toHaveLength(subscribed ? 1 : 0);
});
