/**
 * Pusher's `GET /channels` reads the channel index (core/use-cases/list-channels.ts), which
 * a listing tidies: it removes the entries of topics it found vacant. A listing that runs
 * while a first join of a topic is between its steps must never leave that topic occupied
 * and unlisted. Forced interleavings: the listing checks the topic, finds it vacant and
 * removes its entry while the join's row write is held; then the join completes.
 */
import { expect, it } from 'vitest';
import { DynamoChannelIndex } from '../../lambdas/adapters/dynamodb/channel-index.js';
import { listOccupiedChannels } from '../../lambdas/core/use-cases/list-channels.js';
import { keyOf, reachedOrSettled, useGatedTable } from '../support/store-gate.js';
import { connectionId, createHarness } from '../support/topicast-harness.js';

const db = useGatedTable();

function lister() {
  const index = new DynamoChannelIndex(db.table.documentClient, db.table.tableName);
  return (prefix: string) =>
    listOccupiedChannels({ index, shardsOf: () => 1, occupancy: () => Promise.reject(new Error('user_count is not asked here')) }, prefix, false).then((listed) => [...listed.keys()]);
}

it('a listing that removes a vacant topic while its first join writes its row: the topic is listed once the join is done', async () => {
  // Prepare: the topic was occupied and vacated, so its entry is there, stale
  const h = createHarness(db.table, { channelIndex: true });
  const list = lister();
  const topic = `chat-idx-${Date.now()}`;
  const [early, x] = [connectionId('e'), connectionId('x')];
  await h.connect(early);
  await h.connect(x);
  await h.send(early, { action: 'join', topic, ref: '1' });
  await h.send(early, { action: 'leave', topic, ref: '2' });

  // Act: x's join is held at its topic row write; a listing checks the topic (vacant) and removes its entry; then the join goes on
  const row = db.gate.pause((c) => c.name === 'PutItemCommand' && keyOf(c) === `t#${topic}#0|${x}`);
  const joining = h.send(x, { action: 'join', topic, ref: '3' });
  expect(await reachedOrSettled(row, joining)).toBe(true);
  const during = await list(topic);
  row.release();
  await joining;

  // Assess: vacant while the row was held, listed once the join answered
  expect(during).toEqual([]);
  expect(await list(topic)).toEqual([topic]);
});

it('a listing that read the entry before a join touched it cannot remove it after', async () => {
  // Prepare: a stale entry (occupied, then vacated)
  const h = createHarness(db.table, { channelIndex: true });
  const list = lister();
  const topic = `chat-idx2-${Date.now()}`;
  const [early, x] = [connectionId('e'), connectionId('x')];
  await h.connect(early);
  await h.connect(x);
  await h.send(early, { action: 'join', topic, ref: '1' });
  await h.send(early, { action: 'leave', topic, ref: '2' });

  // Act: the listing is held at its delete of the entry (it found the topic vacant); x joins in full; then the delete runs
  const drop = db.gate.pause((c) => c.name === 'DeleteItemCommand' && String((c.input.Key as { sk?: unknown }).sk) === topic && String((c.input.Key as { pk?: unknown }).pk).startsWith('x#'));
  const listing = list(topic);
  expect(await reachedOrSettled(drop, listing)).toBe(true);
  await h.send(x, { action: 'join', topic, ref: '3' });
  drop.release();

  // Assess: that listing did not list it (it checked before the join), the next one does
  expect(await listing).toEqual([]);
  expect(await list(topic)).toEqual([topic]);
});

it('a topic vacated by a leave or a disconnect is not listed any more, and its entry goes', async () => {
  const h = createHarness(db.table, { channelIndex: true });
  const list = lister();
  const index = new DynamoChannelIndex(db.table.documentClient, db.table.tableName);
  const prefix = `chat-vac-${Date.now()}-`;
  const [a, b, c] = [connectionId('a'), connectionId('b'), connectionId('c')];
  for (const id of [a, b, c]) await h.connect(id);
  await h.send(a, { action: 'join', topic: `${prefix}1`, ref: '1' });
  await h.send(b, { action: 'join', topic: `${prefix}2`, ref: '1' });
  await h.send(c, { action: 'join', topic: `${prefix}3`, ref: '1' });
  expect(await list(prefix)).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);

  await h.send(a, { action: 'leave', topic: `${prefix}1`, ref: '2' });
  await h.disconnect(b);

  expect(await list(prefix)).toEqual([`${prefix}3`]);
  expect((await index.list(prefix)).map(({ topic }) => topic)).toEqual([`${prefix}3`]);
});
