/**
 * Coalesced presence through the local gateway and its emulated table stream, with
 * native clients: what a member receives, frame by frame, for changes within one window;
 * a topic pattern with its own window (0: a diff per change, from the function); and TTL
 * deletions of a vanished connection announced as leaves through the stream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { expireConnection } from '../support/table-items.js';
import { closeAll, eventOf, type WsClient } from '../support/ws-client.js';

// The default window: long enough that a loaded machine still fits three joins and a leave in one.
const WINDOW_MS = 1000;
let gateway: RunningGateway;
let table: TestTable;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ config: { presence: { windowMs: WINDOW_MS, topics: [{ pattern: 'dm:*', windowMs: 0 }] } } });
  table = gatewayTable(gateway);
  // Three joins and a leave must fit in one window: their functions' environments are started first.
  await warmUp(gateway, 3, uniqueTopic());
  const { client } = await connect();
  const warm = uniqueTopic();
  await client.join(warm);
  await client.request({ action: 'leave', topic: warm });
  await closeAll(clients.splice(0));
}, 120_000);

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  await gateway?.end();
});

async function connect(): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('coalesced presence', () => {
  it('sends each member one diff for a window: a join, and a join cancelled by its leave kept as the leave', async () => {
    // Prepare: alice is present and settled
    const topic = uniqueTopic();
    const { client: alice, id: aliceId } = await connect();
    await alice.join(topic, { meta: { name: 'alice' } });
    await alice.nextEvent('presence_diff', (m) => m.payload.joins[aliceId]);
    const aliceMark = alice.mark();

    // Act: bob joins and stays; carol joins and leaves within the window
    const { client: bob, id: bobId } = await connect();
    const { client: carol, id: carolId } = await connect();
    const bobMark = bob.mark();
    const bobJoined = Date.now();
    await bob.join(topic, { meta: { name: 'bob' } });
    const bobReplied = Date.now() - bobJoined;
    await carol.join(topic, { meta: { name: 'carol' } });
    await carol.request({ action: 'leave', topic });
    const diff = await alice.nextEvent('presence_diff');
    await sleep(WINDOW_MS * 2);

    // Assess: bob had his reply and his state at once, with alice and himself
    expect(bobReplied).toBeLessThan(WINDOW_MS);
    const state = bob.messages.find((m) => eventOf(m) === 'presence_state') as { payload: Record<string, unknown> };
    expect(Object.keys(state.payload).sort()).toEqual([aliceId, bobId].sort());
    // Assess: alice heard one diff: bob's join, and carol's leave without her join
    expect(alice.eventsSince(aliceMark)).toEqual(['presence_diff']);
    expect(Object.keys(diff.payload.joins)).toEqual([bobId]);
    expect(diff.payload.joins[bobId].metas[0].name).toBe('bob');
    expect(Object.keys(diff.payload.leaves)).toEqual([carolId]);
    // Assess: bob got the same diff after his state (his own join is a no-op for his Presence)
    expect(bob.eventsSince(bobMark)).toEqual(['phx_reply', 'presence_state', 'presence_diff']);
  });

  it('sends a diff per change at once, joiner excluded, on a topic whose pattern has window 0', async () => {
    // Prepare
    const topic = uniqueTopic('dm');
    const { client: alice } = await connect();
    await alice.join(topic);
    await alice.nextEvent('presence_state');
    const aliceMark = alice.mark();

    // Act
    const { client: bob, id: bobId } = await connect();
    const bobMark = bob.mark();
    await bob.join(topic);
    const diff = await alice.nextEvent('presence_diff');
    await sleep(WINDOW_MS * 2);

    // Assess: alice heard bob at once; bob heard no diff of his own join
    expect(Object.keys(diff.payload.joins)).toEqual([bobId]);
    expect(alice.eventsSince(aliceMark)).toEqual(['presence_diff']);
    expect(bob.eventsSince(bobMark)).toEqual(['phx_reply', 'presence_state']);
  });

  it('announces the TTL deletion of a vanished connection as a leave within the window', async () => {
    // Prepare: shorty's items expired a second ago, its socket still open (TTL deletes items, not sockets)
    const topic = uniqueTopic();
    const { client: alice } = await connect();
    const { client: shorty, id: shortyId } = await connect();
    await alice.join(topic);
    await shorty.join(topic);
    await alice.nextEvent('presence_diff', (m) => m.payload.joins[shortyId]);
    const now = Math.floor(Date.now() / 1000);
    await expireConnection(table, shortyId, now - 1);
    const aliceMark = alice.mark();

    // Act
    const swept = Date.now();
    await gateway.sweep(now);
    const diff = await alice.nextEvent('presence_diff', (m) => m.payload.leaves[shortyId]);

    // Assess: a leave, after the window and not long after it
    const delay = Date.now() - swept;
    expect(delay).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    expect(delay).toBeLessThan(WINDOW_MS + 2000);
    expect(Object.keys(diff.payload.joins)).toEqual([]);
    expect(alice.eventsSince(aliceMark)).toEqual(['presence_diff']);
  });

  it('leaves out and reaps a member past its TTL that DynamoDB has not deleted yet, at the next join', async () => {
    // Prepare: ghost's items expired a second ago and nothing swept them (DynamoDB deletes lazily)
    const topic = uniqueTopic();
    const { client: alice } = await connect();
    const { client: ghost, id: ghostId } = await connect();
    await alice.join(topic);
    await ghost.join(topic);
    await alice.nextEvent('presence_diff', (m) => m.payload.joins[ghostId]);
    await expireConnection(table, ghostId, Math.floor(Date.now() / 1000) - 1);

    // Act
    const { client: bob, id: bobId } = await connect();
    await bob.join(topic);
    const leave = await alice.nextEvent('presence_diff', (m) => m.payload.leaves[ghostId]);

    // Assess: bob's state never listed the ghost; its leave reached alice; its items are gone
    const state = bob.messages.find((m) => eventOf(m) === 'presence_state') as { payload: Record<string, unknown> };
    expect(Object.keys(state.payload)).not.toContain(ghostId);
    expect(Object.keys(state.payload)).toContain(bobId);
    expect(Object.keys(leave.payload.leaves)).toEqual([ghostId]);
    const subscribers = await fetch(`${gateway.url.replace('ws:', 'http:')}/occupancy`, { method: 'POST', body: JSON.stringify({ topic }) });
    expect(((await subscribers.json()) as { subscribers: number }).subscribers).toBe(2);
  });
});
