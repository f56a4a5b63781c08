/**
 * Regression (issue 18, found by reading): a leave announced by reaping may find more gone
 * connections, whose leaves may find more. The chain stopped at depth 3: the connections
 * found by the fourth broadcast stayed in the table (and in everyone's presence) until a
 * later 410 or the TTL. Each round removes what it announces, so the chain ends by itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { itemsOfConnection } from '../support/table-items.js';
import { connectionId, createHarness } from '../support/topicast-harness.js';

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable();
});
afterAll(async () => {
  await table?.stop();
});

it('reaps a chain of gone connections however deep, each found by the leaves of the one before', async () => {
  // Window 0: the function that removes a connection broadcasts its leave (and reaps what that finds).
  const h = createHarness(table, { config: { presence: { windowMs: 0 } } });
  const run = Date.now().toString(36);
  const topics = Array.from({ length: 6 }, (_, i) => `room:chain-${run}-${i}`);
  const live = connectionId('live');
  await h.connect(live);
  await h.send(live, { action: 'join', topic: topics[0], ref: '1' });
  // gone[k] is on topics k and k+1: the leave of gone[k-1] on topic k finds gone[k].
  const gone = Array.from({ length: 5 }, (_, k) => connectionId(`gone${k}`));
  for (const [k, id] of gone.entries()) {
    await h.connect(id);
    await h.send(id, { action: 'join', topic: topics[k], ref: '1' });
    await h.send(id, { action: 'join', topic: topics[k + 1], ref: '2' });
  }
  h.sender.markGone(...gone);

  // A push on topic 0 finds gone[0]; its leave on topic 1 finds gone[1], and so on (depth 5).
  const response = await h.send(live, { action: 'push', topic: topics[0], event: 'shout', payload: {}, ref: '3' });

  expect(response.statusCode).toBe(200);
  for (const id of gone) expect(await itemsOfConnection(table, id), id).toEqual([]);
  expect((await itemsOfConnection(table, live)).length).toBeGreaterThan(0);
});
