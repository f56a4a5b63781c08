/**
 * What `$disconnect` misses is caught twice: a subscriber whose socket is gone answers
 * 410 to a broadcast and is reaped on the spot (its leaves announced), and every item
 * carries `expiresAt`, which the local runtime's sweeper honours as DynamoDB's TTL does:
 * item by item, no function runs, and the deletions reach the table's stream, where the
 * presence function turns them into leaves. One gateway: the template runtime cannot post
 * to another runtime's connections (docs/local.md), and nothing here needs a second one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { realtimeStore, startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { expireConnection, getItem, itemsOfConnection, queryPartition, scanTable } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

let gateway: RunningGateway;
let table: TestTable;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway();
  table = gatewayTable(gateway);
});

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

/** The Management API endpoint the functions record with this gateway's connections (`https://{domainName}/{stage}`). */
async function recordedEndpoint(): Promise<string> {
  const { id } = await connect();
  const item = await getItem(table, { pk: `c#${id}`, sk: 'c' });
  return item?.endpoint as string;
}

let ghostCounter = 0;
/**
 * A connection whose socket vanished without `$disconnect`: its items are in the table,
 * recorded on this gateway's endpoint, but the gateway has no such socket (410).
 */
async function ghostSubscribedTo(topics: readonly string[], meta: Record<string, unknown>): Promise<string> {
  ghostCounter += 1;
  const id = `Ghost${String(ghostCounter).padStart(10, '0')}=`;
  const now = Date.now();
  const expiresAt = Math.floor(now / 1000) + 7500;
  const endpoint = await recordedEndpoint();
  const store = realtimeStore(gateway);
  await store.putConnection({ connectionId: id, endpoint, identity: null, format: 'native', connectedAt: now, expiresAt });
  for (const topic of topics) {
    await store.putSubscription(
      { topic, connectionId: id, endpoint, format: 'native', joinRef: null, presenceKey: id, meta: { ...meta, phx_ref: `ghost-${topic}` }, expiresAt },
      1,
    );
  }
  expect(gateway.connections.get(id)).toBeUndefined();
  return id;
}

describe('a subscriber whose socket vanished without $disconnect', () => {
  it('answers 410 to a push, loses every item, and its leave reaches the others; the sender is untouched', async () => {
    // Prepare
    const [topic, otherTopic] = [uniqueTopic(), uniqueTopic()];
    const { client: alice, id: aliceId } = await connect();
    const { client: bob } = await connect();
    const { client: carol } = await connect();
    await alice.join(topic);
    await bob.join(topic);
    await carol.join(otherTopic);
    const ghost = await ghostSubscribedTo([topic, otherTopic], { name: 'ghost' });
    expect(await queryPartition(table, `c#${ghost}`)).toHaveLength(3);

    // Act
    const reply = await alice.request({ action: 'push', topic, event: 'shout', payload: { n: 1 } });

    // Assess: the push went through for the living
    expect(reply).toMatchObject({ topic, payload: { status: 'ok', response: {} } });
    expect(await alice.nextEvent('shout')).toEqual({ topic, event: 'shout', payload: { n: 1 } });
    expect(await bob.nextEvent('shout')).toEqual({ topic, event: 'shout', payload: { n: 1 } });

    // Assess: every subscriber of each of the ghost's topics hears it leave
    const leave = (t: string) => ({ topic: t, event: 'presence_diff', payload: { joins: {}, leaves: { [ghost]: { metas: [{ name: 'ghost', phx_ref: `ghost-${t}` }] } } } });
    expect(await alice.nextEvent('presence_diff', (m) => m.payload.leaves[ghost])).toEqual(leave(topic));
    expect(await bob.nextEvent('presence_diff', (m) => m.payload.leaves[ghost])).toEqual(leave(topic));
    expect(await carol.nextEvent('presence_diff', (m) => m.payload.leaves[ghost])).toEqual(leave(otherTopic));

    // Assess: the ghost's items are gone from both sides
    expect(await queryPartition(table, `c#${ghost}`)).toEqual([]);
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: ghost })).toBeUndefined();
    expect(await getItem(table, { pk: `t#${otherTopic}#0`, sk: ghost })).toBeUndefined();

    // Assess: the sender is still connected, registered and subscribed, and can push again
    expect(await getItem(table, { pk: `c#${aliceId}`, sk: 'c' })).toBeDefined();
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: aliceId })).toBeDefined();
    expect(await alice.request({ action: 'push', topic, event: 'shout', payload: { n: 2 } })).toMatchObject({ payload: { status: 'ok' } });
    expect(await bob.nextEvent('shout', (m) => m.payload.n === 2)).toMatchObject({ topic });
  });

  it('is reaped when a join announces itself to it', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice } = await connect();
    await alice.join(topic);
    const ghost = await ghostSubscribedTo([topic], {});

    // Act: bob's join sends a presence_diff to every member, the ghost included
    const { client: bob } = await connect();
    await bob.join(topic);

    // Assess
    expect(await alice.nextEvent('presence_diff', (m) => m.payload.leaves[ghost])).toMatchObject({ payload: { joins: {} } });
    expect(await itemsOfConnection(table, ghost)).toEqual([]);
  });
});

describe('TTL', () => {
  it('puts expiresAt on every item, within the connection TTL', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client, id } = await connect();
    await client.join(topic);
    // The rate counter item (r#) is written every 10th push of a window (limits.pushesPerCounterWrite):
    // 19 pushes hold 10 in one window even if a window boundary falls among them.
    for (let n = 0; n < 19; n += 1) await client.request({ action: 'push', topic, event: 'e' });
    const now = Math.floor(Date.now() / 1000);

    // Act
    const items = await itemsOfConnection(table, id);

    // Assess: connection, subscription (both sides) and rate-limit window
    expect(items).toHaveLength(4);
    for (const item of items) {
      expect(item.expiresAt).toEqual(expect.any(Number));
      expect(item.expiresAt as number).toBeGreaterThan(now);
      expect(item.expiresAt as number).toBeLessThanOrEqual(now + 7500 + 1);
    }
  });

  it('sweeps an expired connection as DynamoDB TTL does: its items go, and the stream turns the deletions into a leave', async () => {
    // Prepare: alice, bob and shorty in one topic
    const topic = uniqueTopic();
    const { client: alice } = await connect();
    const { client: bob } = await connect();
    const { client: shorty, id: shortyId } = await connect();
    await alice.join(topic);
    await bob.join(topic);
    await shorty.join(topic, { meta: { name: 'shorty' } });
    await alice.nextEvent('presence_diff', (m) => m.payload.joins[shortyId]);
    await bob.nextEvent('presence_diff', (m) => m.payload.joins[shortyId]);
    // Prepare: shorty's items expired a second ago (TTL is per item)
    const now = Math.floor(Date.now() / 1000);
    await expireConnection(table, shortyId, now - 1);
    const shortyItems = (await itemsOfConnection(table, shortyId)).length;
    expect(shortyItems).toBe(3);
    const aliceMark = alice.mark();
    const bobMark = bob.mark();

    // Act
    const deleted = await gateway.sweep(now);

    // Assess: only shorty expired; its items are gone
    expect(deleted).toBe(shortyItems);
    expect(await itemsOfConnection(table, shortyId)).toEqual([]);

    // Assess: the TTL deletions reached the presence reader (userIdentity dynamodb.amazonaws.com),
    // which told the others shorty left
    await gateway.flushPresence();
    for (const member of [alice, bob]) {
      const diff = await member.nextEvent('presence_diff', (m) => m.payload.leaves[shortyId]);
      expect(Object.keys(diff.payload.joins)).toEqual([]);
    }
    // Assess: shorty's socket is still open (TTL deletes items, not sockets) but gets no broadcasts
    const shortyMark = shorty.mark();
    await alice.request({ action: 'push', topic, event: 'shout' });
    await bob.nextEvent('shout');
    const pong = await shorty.ping();
    expect(shorty.framesSince(shortyMark)).toEqual([pong]);
    expect(alice.framesSince(aliceMark).map((frame) => (frame as { event: string }).event).sort()).toEqual(['phx_reply', 'presence_diff', 'shout']);
    expect(bob.framesSince(bobMark).map((frame) => (frame as { event: string }).event)).toEqual(['presence_diff', 'shout']);
  });

  it('a sweep far in the future expires everyone and leaves the table empty', async () => {
    // Prepare
    const topic = uniqueTopic();
    const connected = await Promise.all([connect(), connect(), connect()]);
    for (const { client } of connected) await client.join(topic);
    await connected[0]!.client.request({ action: 'push', topic, event: 'e' });
    expect((await scanTable(table)).length).toBeGreaterThan(0);

    // Act
    const deleted = await gateway.sweep(Math.floor(Date.now() / 1000) + 365 * 24 * 3600);

    // Assess: three connections, each with its connection and two subscription items, and the push's rate counter at least
    expect(deleted).toBeGreaterThanOrEqual(9);
    expect(await scanTable(table)).toEqual([]);

    // Assess: a later sweep finds nothing, and closing the swept sockets is harmless
    expect(await gateway.sweep(Math.floor(Date.now() / 1000) + 365 * 24 * 3600)).toBe(0);
    await closeAll(clients.splice(0));
    expect(await scanTable(table)).toEqual([]);
  });
});
