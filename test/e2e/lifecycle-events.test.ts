/**
 * Lifecycle events through the local gateway with real WebSocket clients: the table's
 * emulated stream, the presence function's real PutEvents publisher (signed JSON 1.1) and
 * the gateway's emulated EventBridge bus, which prints each event on one line and lists it
 * on the dashboard's JSON api. Connect, join, leave, disconnect, a TTL sweep of a vanished
 * connection, and a topic's occupied/vacated transitions.
 */
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBusEvent } from '../../local-gateway/event-bus.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { expireConnection } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const SECRET = 'e2e-lifecycle-events-secret-long-enough';
let gateway: RunningGateway;
let table: TestTable;
const lines: string[] = [];
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    config: { lifecycleEvents: { source: 'e2e.realtime' }, presence: { windowMs: 200 } },
    env: { TOPICAST_TOKEN_SECRET: SECRET },
    write: (line) => lines.push(line),
    pages: true,
  });
  table = gatewayTable(gateway);
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  await gateway?.end();
});

async function connect(sub?: string): Promise<{ client: WsClient; id: string }> {
  const token = sub ? await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET)) : undefined;
  return connectTracked(gateway, clients, token ? { path: `/?token=${token}` } : {});
}

/** Resolves with the first event on the bus (received before or after the call) that matches. */
function nextBusEvent(match: (event: LocalBusEvent) => boolean, description: string, timeoutMs = 5000): Promise<LocalBusEvent> {
  const seen = gateway.eventBus.events().find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no ${description} within ${timeoutMs} ms; the bus has: ${gateway.eventBus.events().map((e) => `${e.detailType} ${JSON.stringify(e.detail)}`).join('\n')}`));
    }, timeoutMs);
    const unsubscribe = gateway.eventBus.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

const ofConnection = (type: string, connectionId: string) => (event: LocalBusEvent) => event.detailType === type && event.detail.connectionId === connectionId;
const ofTopic = (type: string, topic: string) => (event: LocalBusEvent) => event.detailType === type && event.detail.topic === topic;
const ofMember = (type: string, topic: string, connectionId: string) => (event: LocalBusEvent) => ofTopic(type, topic)(event) && event.detail.connectionId === connectionId;
const busEventsOf = (predicate: (event: LocalBusEvent) => boolean) => gateway.eventBus.events().filter(predicate);

describe('lifecycle events through the local gateway', () => {
  it('publishes connected, joined and occupied, then left, disconnected and vacated, each once, with the documented fields', async () => {
    // Act: alice (authenticated) connects and joins; bob joins and leaves; alice closes
    const topic = uniqueTopic();
    const { client: alice, id: aliceId } = await connect('alice');
    const connected = await nextBusEvent(ofConnection('connected', aliceId), 'connected');
    await alice.join(topic, { meta: { device: 'laptop' } });
    const joined = await nextBusEvent(ofMember('joined', topic, aliceId), 'alice joined');
    const occupied = await nextBusEvent(ofTopic('occupied', topic), 'occupied');
    const { client: bob, id: bobId } = await connect();
    await bob.join(topic);
    await nextBusEvent(ofMember('joined', topic, bobId), 'bob joined');
    await bob.request({ action: 'leave', topic });
    const bobLeft = await nextBusEvent(ofMember('left', topic, bobId), 'bob left');
    await alice.close();
    const aliceLeft = await nextBusEvent(ofMember('left', topic, aliceId), 'alice left');
    const disconnected = await nextBusEvent(ofConnection('disconnected', aliceId), 'alice disconnected');
    const vacated = await nextBusEvent(ofTopic('vacated', topic), 'vacated');

    // Assess: the envelope EventBridge rules match on
    // The bus is the template's lifecycle bus (the functions' TOPICAST_EVENT_BUS), as rules see it on AWS.
    expect(connected).toMatchObject({ source: 'e2e.realtime', bus: expect.stringMatching(/^arn:aws:events:[^:]+:\d+:event-bus\/TopicastRealtimeLifecycleEvents/) });
    expect(Date.parse(connected.time)).toBeGreaterThan(Date.now() - 60_000);
    // Assess: each detail, with a stable id
    expect(connected.detail).toEqual({ version: 1, eventId: expect.any(String), connectionId: aliceId, user: 'alice', connectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(joined.detail).toEqual({ version: 1, eventId: expect.any(String), topic, connectionId: aliceId, presence: { key: 'alice', meta: { device: 'laptop', phx_ref: expect.any(String) } } });
    expect(occupied.detail).toEqual({ version: 1, eventId: expect.any(String), topic });
    expect(bobLeft.detail).toMatchObject({ topic, connectionId: bobId, reason: 'removed', presence: { key: bobId } });
    expect(aliceLeft.detail).toMatchObject({ reason: 'removed', presence: { key: 'alice' } });
    expect(disconnected.detail).toEqual({ ...connected.detail, eventId: expect.any(String), reason: 'closed' });
    expect(vacated.detail).toEqual({ version: 1, eventId: expect.any(String), topic });
    // Assess: bob's join into an occupied topic and his leave from a still occupied one crossed nothing
    await gateway.flushPresence();
    expect(busEventsOf(ofTopic('occupied', topic))).toHaveLength(1);
    expect(busEventsOf(ofTopic('vacated', topic))).toHaveLength(1);
    expect(new Set(gateway.eventBus.events().map((event) => event.detail.eventId)).size).toBe(gateway.eventBus.events().length);
  });

  it('turns a TTL sweep of a vanished connection into left and disconnected with reason expired, and vacates its topic', async () => {
    // Prepare: shorty's items expired a second ago; its socket is still open (TTL deletes items, not sockets)
    const topic = uniqueTopic();
    const { client: shorty, id: shortyId } = await connect();
    await shorty.join(topic);
    await nextBusEvent(ofTopic('occupied', topic), 'occupied');
    const now = Math.floor(Date.now() / 1000);
    await expireConnection(table, shortyId, now - 1);

    // Act
    await gateway.sweep(now);

    // Assess
    const left = await nextBusEvent(ofMember('left', topic, shortyId), 'left');
    const disconnected = await nextBusEvent(ofConnection('disconnected', shortyId), 'disconnected');
    await nextBusEvent(ofTopic('vacated', topic), 'vacated');
    expect(left.detail.reason).toBe('expired');
    expect(disconnected.detail).toMatchObject({ reason: 'expired', user: null });
  });

  it('reports a vanished connection reaped by the next join, before TTL gets to it, as expired too', async () => {
    // Prepare: ghost's items expired a second ago; nothing sweeps them
    const topic = uniqueTopic();
    const { client: ghost, id: ghostId } = await connect();
    await ghost.join(topic);
    await nextBusEvent(ofMember('joined', topic, ghostId), 'ghost joined');
    await expireConnection(table, ghostId, Math.floor(Date.now() / 1000) - 1);

    // Act: a join reads the topic's members, finds ghost past its TTL and reaps it
    const { client: carol } = await connect();
    await carol.join(topic);

    // Assess
    const left = await nextBusEvent(ofMember('left', topic, ghostId), 'ghost left');
    const disconnected = await nextBusEvent(ofConnection('disconnected', ghostId), 'ghost disconnected');
    expect(left.detail.reason).toBe('expired');
    expect(disconnected.detail.reason).toBe('expired');
    await gateway.flushPresence();
    expect(busEventsOf(ofTopic('vacated', topic))).toEqual([]);
  });

  it('prints one line per event and lists them, newest first, in the dashboard\'s JSON api', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client, id } = await connect();

    // Act
    await client.join(topic);
    await nextBusEvent(ofTopic('occupied', topic), 'occupied');
    const activity = (await (await fetch(`${gateway.url.replace('ws:', 'http:')}/_topicast/api/activity`)).json()) as { events: LocalBusEvent[] };

    // Assess
    expect(lines).toContain(`event connected ${JSON.stringify(busEventsOf(ofConnection('connected', id))[0]?.detail)}`);
    expect(lines.filter((line) => line.startsWith('event joined ') && line.includes(`"connectionId":"${id}"`))).toHaveLength(1);
    const mine = activity.events.filter((event) => event.detail.connectionId === id || event.detail.topic === topic).map((event) => event.detailType);
    expect(mine.slice(0, 3).sort()).toEqual(['connected', 'joined', 'occupied']);
    expect(mine.indexOf('connected')).toBeGreaterThan(mine.indexOf('joined'));
  });
});
