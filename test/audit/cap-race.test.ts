/**
 * Regression (issue 18, item 5): near the presence cap, a joiner's count on the occupancy
 * item races the window reader. The joiner found the topic over its cap (empty state), a
 * leave brings it back to the cap before the reader lists it, and the reader reads the
 * occupancy item before the joiner's count lands. Wall-clock stamps let every later window
 * believe the join was settled; the joiner never received the members it was not told
 * about. Now the join counts itself (atomically, after its empty state is out) and the
 * reader settles only the count it read, with a conditional write.
 */
import { expect, it } from 'vitest';
import { applyDiff, type PresenceDiff, type PresenceState } from '../../lambdas/core/presence.js';
import type { TopicItemChange } from '../../lambdas/core/presence-changes.js';
import { readerFor } from '../../lambdas/core/presence-readers.js';
import { announcePresenceChanges } from '../../lambdas/core/use-cases/announce-presence-changes.js';
import { keyOf, reachedOrSettled, text, type StoreCall, useGatedTable } from '../support/store-gate.js';
import { queryPartition } from '../support/table-items.js';
import { connectionId, createHarness } from '../support/topicast-harness.js';

const db = useGatedTable();

/** Phoenix Presence: diffs before the first presence_state wait for it (pendingDiffs). */
function phoenixView(frames: readonly string[], topic: string): PresenceState {
  let state: PresenceState | null = null;
  const pending: PresenceDiff[] = [];
  for (const frame of frames) {
    const m = JSON.parse(frame) as { topic: string; event: string; payload: any };
    if (m.topic !== topic) continue;
    if (m.event === 'presence_state') {
      state = m.payload as PresenceState;
      for (const d of pending.splice(0)) state = applyDiff(state, d);
    } else if (m.event === 'presence_diff') {
      if (state === null) pending.push(m.payload);
      else state = applyDiff(state, m.payload);
    }
  }
  return state ?? {};
}

let seq = 1000;
const nextSeq = () => `9${String((seq += 1)).padStart(20, '0')}`;
const inserted = (topic: string, row: Record<string, unknown>): TopicItemChange => ({ topic, connectionId: String(row.sk), before: null, after: { key: String(row.presenceKey), meta: JSON.parse(String(row.meta)) }, expired: false, sequenceNumber: nextSeq() });
const removed = (topic: string, row: Record<string, unknown>): TopicItemChange => ({ topic, connectionId: String(row.sk), before: { key: String(row.presenceKey), meta: JSON.parse(String(row.meta)) }, after: null, expired: false, sequenceNumber: nextSeq() });

// The reader's write of its decision sets countedAt; the joiner's count does not.
const occupancyUpdate = (topic: string) => (call: StoreCall) => call.name === 'UpdateItemCommand' && keyOf(call) === `o#${topic}|o`;
const isReaderWrite = (call: StoreCall) => text(call, 'UpdateExpression').includes('countedAt =');

it('a joiner whose count lands after the window\'s decision gets the members from the next window', async () => {
  const config = { presence: { windowMs: 1000, topics: [{ pattern: 'cap:*', maxMembers: 3 }] } };
  const h = createHarness(db.table, { config });
  const reader = readerFor(1, h.config.presence);
  const topic = `cap:${Date.now()}`;
  const [a, b, c, j] = ['a', 'b', 'c', 'j'].map((l) => connectionId(l)) as [string, string, string, string];
  for (const id of [a, b, c, j]) await h.connect(id);
  for (const id of [a, b, c]) await h.send(id, { action: 'join', topic, payload: { meta: { who: id.slice(0, 1) } }, ref: '1' });
  const rowsOf = async () => Object.fromEntries((await queryPartition(db.table, `t#${topic}#0`)).map((r) => [String(r.sk), r]));
  let rows = await rowsOf();
  // window 0: a, b, c joined (3, at the cap): a plain diff, occupancy written (capped: false)
  await announcePresenceChanges(h.deps, reader, [a, b, c].map((id) => inserted(topic, rows[id]!)));

  // j joins: 4 > 3, so its join stamps cappedJoinAt; that UpdateItem is slow to land.
  const stamp = db.gate.pause((call) => occupancyUpdate(topic)(call) && !isReaderWrite(call));
  const joining = h.send(j, { action: 'join', topic, payload: { meta: { who: 'j' } }, ref: '1' });
  expect(await reachedOrSettled(stamp, joining)).toBe(true);
  const cRow = rows[c]!;
  await h.send(c, { action: 'leave', topic, ref: '2' }); // back to 3
  rows = await rowsOf();
  // window 1: j's join and c's leave; the reader lists a, b, j (3, at the cap) and reads the occupancy item before the stamp
  const w1 = await announcePresenceChanges(h.deps, reader, [inserted(topic, rows[j]!), removed(topic, cRow)]);
  stamp.release();
  await joining;
  // window 2: b leaves; the stamp is now there but older than window 1's countedAt
  const bRow = rows[b]!;
  await h.send(b, { action: 'leave', topic, ref: '3' });
  const w2 = await announcePresenceChanges(h.deps, reader, [removed(topic, bRow)]);
  const jFrames = h.sender.framesFor(j);
  const view = phoenixView(jFrames, topic);
  const table_ = Object.keys(await rowsOf());
  console.log('[f] frames to j:', jFrames.map((f) => JSON.parse(f).event).join(','), '| retryFrom:', w1.retryFrom, w2.retryFrom);
  console.log('[f] table members:', table_.map((id) => id.slice(0, 1)), '| j (Phoenix) sees:', Object.keys(view).map((id) => id.slice(0, 1)));
  expect(table_.sort()).toEqual([a, j].sort());
  expect(Object.keys(view).sort()).toEqual(table_.sort());
});

it('a joiner whose count lands between the reader\'s read and its write gets the members in that same window', async () => {
  const config = { presence: { windowMs: 1000, topics: [{ pattern: 'cap:*', maxMembers: 3 }] } };
  const h = createHarness(db.table, { config });
  const reader = readerFor(1, h.config.presence);
  const topic = `cap:between-${Date.now()}`;
  const [a, b, c, j] = ['a', 'b', 'c', 'j'].map((l) => connectionId(l)) as [string, string, string, string];
  for (const id of [a, b, c, j]) await h.connect(id);
  for (const id of [a, b, c]) await h.send(id, { action: 'join', topic, payload: { meta: { who: id.slice(0, 1) } }, ref: '1' });
  const rowsOf = async () => Object.fromEntries((await queryPartition(db.table, `t#${topic}#0`)).map((r) => [String(r.sk), r]));
  let rows = await rowsOf();
  await announcePresenceChanges(h.deps, reader, [a, b, c].map((id) => inserted(topic, rows[id]!)));

  // j finds 4 > 3: its count on the occupancy item is held.
  const stamp = db.gate.pause((call) => occupancyUpdate(topic)(call) && !isReaderWrite(call));
  const joining = h.send(j, { action: 'join', topic, payload: { meta: { who: 'j' } }, ref: '1' });
  expect(await reachedOrSettled(stamp, joining)).toBe(true);
  const cRow = rows[c]!;
  await h.send(c, { action: 'leave', topic, ref: '2' }); // back to 3
  rows = await rowsOf();
  // Window 1 reads the item (no count yet) and decides on a plain diff; its write is held.
  const decision = db.gate.pause((call) => occupancyUpdate(topic)(call) && isReaderWrite(call));
  const window1 = announcePresenceChanges(h.deps, reader, [inserted(topic, rows[j]!), removed(topic, cRow)]);
  expect(await reachedOrSettled(decision, window1)).toBe(true);
  // j's count lands now, between the reader's read and its write.
  stamp.release();
  await joining;
  decision.release();
  const w1 = await window1;
  expect(w1.retryFrom).toBeNull();
  const view = phoenixView(h.sender.framesFor(j), topic);
  const members = Object.keys(await rowsOf()).sort();
  expect(members).toEqual([a, b, j].sort());
  // No second window: the reader saw its write refused by the new count and sent the state.
  expect(Object.keys(view).sort()).toEqual(members);
});
