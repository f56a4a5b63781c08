/**
 * What the handlers count through the Metrics port, with the real use cases and table: one
 * record per outcome, dimensions bounded to configured topic patterns and stable reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { connectionId, createHarness, responseMessages, withConnectedClients } from '../support/topicast-harness.js';

let table: TestTable;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

const ROOMS = { topicRules: [{ pattern: 'room:*' }] };

describe('metrics', () => {
  it('counts connects, joins, pushes, deliveries, presence frames, leaves and disconnects, by configured topic pattern', async () => {
    // Prepare
    const { h, ids } = await withConnectedClients(table, 3, { config: ROOMS });
    const [a, b, c] = ids as [string, string, string];

    // Act
    for (const id of ids) await h.send(id, { action: 'join', topic: 'room:m1', payload: { meta: { id } } });
    await h.send(a, { action: 'push', topic: 'room:m1', event: 'shout', payload: { n: 1 } });
    await h.send(b, { action: 'leave', topic: 'room:m1' });
    await h.disconnect(c);

    // Assess
    const m = h.metrics;
    expect(m.total('connectionsOpened')).toBe(3);
    expect(m.total('joins', { topicPattern: 'room:*' })).toBe(3);
    expect(m.total('pushes', { topicPattern: 'room:*' })).toBe(1);
    expect(m.total('leaves', { topicPattern: 'room:*' })).toBe(1);
    expect(m.total('connectionsClosed')).toBe(1);
    // Deliveries: the push to 3, join diffs to 1 then 2 others, leave diffs to 2 then 1
    expect(m.total('deliveries', { topicPattern: 'room:*' })).toBe(3 + 1 + 2 + 2 + 1);
    expect(m.total('failedDeliveries')).toBe(0);
    // One presence_state per join (returned to the joiner) and one diff per broadcast
    const presenceFrames = m.records.filter((r) => r.metric === 'presenceFrameBytes');
    expect(presenceFrames.length).toBe(3 + 2 + 2);
    for (const frame of presenceFrames) expect(frame.value).toBeGreaterThan(20);
    expect(m.records.filter((r) => r.metric === 'fanoutDuration').every((r) => r.value >= 0 && r.dimensions.topicPattern === 'room:*')).toBe(true);
    // No record names a topic: only the configured pattern
    expect(m.records.every((r) => r.dimensions.topicPattern === undefined || r.dimensions.topicPattern === 'room:*')).toBe(true);
  });

  it('counts topics that match no configured pattern under "*", never under their own name', async () => {
    // Prepare
    const { h, ids } = await withConnectedClients(table, 1);

    // Act
    await h.send(ids[0] as string, { action: 'join', topic: `chosen-by-client:${Date.now()}` });

    // Assess
    expect(h.metrics.records.find((r) => r.metric === 'joins')?.dimensions).toEqual({ topicPattern: '*' });
  });

  it('counts topics of a channel module under the module\'s topic pattern', async () => {
    // Prepare
    const { h, ids } = await withConnectedClients(table, 1, { channels: [{ topic: 'game:*' }] });

    // Act
    await h.send(ids[0] as string, { action: 'join', topic: 'game:42' });
    await h.send(ids[0] as string, { action: 'push', topic: 'game:42', event: 'move', payload: {} });

    // Assess
    expect(h.metrics.total('joins', { topicPattern: 'game:*' })).toBe(1);
    expect(h.metrics.total('deliveries', { topicPattern: 'game:*' })).toBe(1);
  });

  it('counts refusals by stable reason: bad frames, protocol refusals and refused connects', async () => {
    // Prepare
    const h = createHarness(table, { config: { auth: 'required' } });
    const open = createHarness(table);
    const id = connectionId('refused');
    await open.connect(id);

    // Act
    expect((await h.connect(connectionId('no-token'))).statusCode).toBe(401);
    await open.send(id, 'not json');
    await open.send(id, { action: 'push', topic: 'room:x', event: 'shout' });
    await open.send(id, { action: 'push', topic: 'room:x', event: 'phx_forged' });

    // Assess
    expect(h.metrics.total('refusals', { reason: 'connect_unauthorized' })).toBe(1);
    expect(open.metrics.total('refusals', { reason: 'invalid_frame' })).toBe(1);
    expect(open.metrics.total('refusals', { reason: 'not_joined' })).toBe(1);
    expect(open.metrics.total('refusals', { reason: 'reserved_event' })).toBe(1);
    expect(open.metrics.total('pushes')).toBe(0);
  });

  it('counts gone, failed and retried deliveries, and the stale connections reaped', async () => {
    // Prepare
    const { h, ids } = await withConnectedClients(table, 4, { config: ROOMS });
    const [sender, , gone, failing] = ids as [string, string, string, string];
    for (const id of ids) await h.send(id, { action: 'join', topic: 'room:m2' });
    h.sender.markGone(gone);
    h.sender.markFailing(failing);
    h.sender.markThrottled(sender);
    h.metrics.clear();

    // Act
    const reply = responseMessages(await h.send(sender, { action: 'push', topic: 'room:m2', event: 'shout', payload: {}, ref: 'm2' }));

    // Assess
    expect(reply).toMatchObject([{ payload: { status: 'ok' } }]);
    const m = h.metrics;
    expect(m.total('goneConnections', { topicPattern: 'room:*' })).toBe(1);
    expect(m.total('failedDeliveries', { topicPattern: 'room:*' })).toBe(1 + 1); // the push, then the leave diff of the reaped one
    expect(m.total('connectionsReaped')).toBe(1);
    // The sender's own copy of the push, and of the leave diff, each needed a retry
    expect(m.total('retriedPosts', { topicPattern: 'room:*' })).toBe(2);
    expect(m.total('droppedDeliveries')).toBe(0);
    // The push reached the sender and the live subscriber
    expect(m.records.filter((r) => r.metric === 'deliveries')[0]?.value).toBe(2);
  });

  it('counts the batches handed to fan-out workers, and the deliveries the workers make', async () => {
    // Prepare
    const { h, ids } = await withConnectedClients(table, 5, { config: { ...ROOMS, presenceDisabled: ['room:*'], fanout: { workerThreshold: 2, workerBatchSize: 2 } }, fanoutWorker: true });
    for (const id of ids) await h.send(id, { action: 'join', topic: 'room:m3' });
    h.metrics.clear();

    // Act
    await h.send(ids[0] as string, { action: 'push', topic: 'room:m3', event: 'shout', payload: {} });

    // Assess: 5 subscribers in batches of 2
    expect(h.metrics.total('workerBatches', { topicPattern: 'room:*' })).toBe(3);
    expect(h.metrics.total('deliveries', { topicPattern: 'room:*' })).toBe(5);
  });
});
