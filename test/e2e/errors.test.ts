/**
 * Every error reason the foundation can produce, through a real socket. After each bad
 * frame the offender's connection stays open and usable, and a neighbour joined to the
 * same topic receives nothing: anything the bad frame caused would have been posted to
 * the neighbour before the offender's reply, so the neighbour's next frame after that
 * reply must be the answer to its own ping.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { connectionIdOf, gatewayTable, uniqueTopic } from '../support/local-gateway.js';
import { queryPartition } from '../support/table-items.js';
import type { TestTable } from '../support/dynalite.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

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

async function pair(): Promise<{ offender: WsClient; neighbour: WsClient; topic: string }> {
  const topic = uniqueTopic();
  const offender = await openClient(gateway.url);
  const neighbour = await openClient(gateway.url);
  clients.push(offender, neighbour);
  await offender.join(topic);
  await neighbour.join(topic);
  // Let every join-time message settle before the test marks the neighbour's frames: both
  // joins' presence diffs are posted once the table's stream is handed to the presence function.
  await gateway.flushPresence();
  // Each joiner's presence_state is posted by its join function, which may reach the socket
  // after the reply (a post from another process): taken here, so none arrives after the mark.
  await offender.nextEvent('presence_state');
  await neighbour.nextEvent('presence_state');
  await neighbour.ping();
  await offender.ping();
  return { offender, neighbour, topic };
}

const errorReply = (topic: string | null, ref: string | null, reason: string) => ({
  topic,
  event: 'phx_reply',
  ref,
  payload: { status: 'error', response: { reason, message: expect.any(String) } },
});

interface BadFrameCase {
  readonly name: string;
  /** The frame to send; `topic` is replaced by a topic both clients joined. */
  readonly frame: (topic: string) => string | Buffer;
  readonly expected: (topic: string) => unknown;
}

const notJoinedTopic = 'room:nobody-joined-this';
const cases: BadFrameCase[] = [
  { name: 'invalid_frame: not JSON', frame: () => 'hello there', expected: () => errorReply(null, null, 'invalid_frame') },
  { name: 'invalid_frame: truncated JSON', frame: (t) => `{"action":"push","topic":"${t}"`, expected: () => errorReply(null, null, 'invalid_frame') },
  { name: 'invalid_frame: a JSON number', frame: () => '42', expected: () => errorReply(null, null, 'invalid_frame') },
  { name: 'invalid_frame: a JSON string', frame: () => '"join"', expected: () => errorReply(null, null, 'invalid_frame') },
  { name: 'invalid_frame: JSON null', frame: () => 'null', expected: () => errorReply(null, null, 'invalid_frame') },
  { name: 'invalid_frame: JSON true', frame: () => 'true', expected: () => errorReply(null, null, 'invalid_frame') },
  {
    name: 'invalid_frame: an array of the wrong length (answered as a Phoenix array)',
    frame: (t) => JSON.stringify(['1', '2', t, 'shout']),
    expected: (t) => [null, null, t, 'phx_reply', { status: 'error', response: { reason: 'invalid_frame', message: expect.any(String) } }],
  },
  {
    name: 'invalid_frame: an empty array',
    frame: () => '[]',
    expected: () => [null, null, null, 'phx_reply', { status: 'error', response: { reason: 'invalid_frame', message: expect.any(String) } }],
  },
  { name: 'invalid_frame: an object without action', frame: (t) => JSON.stringify({ topic: t, event: 'shout', ref: 'a1' }), expected: (t) => errorReply(t, 'a1', 'invalid_frame') },
  { name: 'invalid_frame: a non-boolean self', frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 'shout', self: 'no', ref: 's1' }), expected: (t) => errorReply(t, 's1', 'invalid_frame') },
  { name: 'unknown_action', frame: () => '{"action":"dance","ref":"u1"}', expected: () => errorReply(null, 'u1', 'unknown_action') },
  { name: 'unknown_action: "$disconnect" is not a route a client can call', frame: () => '{"action":"$disconnect","ref":"u2"}', expected: () => errorReply(null, 'u2', 'unknown_action') },
  { name: 'invalid_topic: a number', frame: () => '{"action":"join","topic":42,"ref":"t1"}', expected: () => errorReply(null, 't1', 'invalid_topic') },
  { name: 'invalid_topic: empty', frame: () => '{"action":"join","topic":"","ref":"t2"}', expected: () => errorReply(null, 't2', 'invalid_topic') },
  { name: 'invalid_topic: missing on push', frame: () => '{"action":"push","event":"shout","ref":"t3"}', expected: () => errorReply(null, 't3', 'invalid_topic') },
  { name: 'invalid_topic: control characters', frame: () => JSON.stringify({ action: 'join', topic: 'room:\u0007bell', ref: 't4' }), expected: () => errorReply(null, 't4', 'invalid_topic') },
  { name: 'invalid_event: a number', frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 7, ref: 'e1' }), expected: (t) => errorReply(t, 'e1', 'invalid_event') },
  { name: 'invalid_event: missing', frame: (t) => JSON.stringify({ action: 'push', topic: t, payload: {}, ref: 'e2' }), expected: (t) => errorReply(t, 'e2', 'invalid_event') },
  { name: 'invalid_event: longer than 64 characters', frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 'x'.repeat(65), ref: 'e3' }), expected: (t) => errorReply(t, 'e3', 'invalid_event') },
  { name: 'reserved_event: phx_ prefix', frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 'phx_reply', payload: {}, ref: 'r1' }), expected: (t) => errorReply(t, 'r1', 'reserved_event') },
  { name: 'reserved_event: presence_ prefix', frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 'presence_diff', payload: { joins: {}, leaves: {} }, ref: 'r2' }), expected: (t) => errorReply(t, 'r2', 'reserved_event') },
  { name: 'not_joined: push', frame: () => JSON.stringify({ action: 'push', topic: notJoinedTopic, event: 'shout', ref: 'n1' }), expected: () => errorReply(notJoinedTopic, 'n1', 'not_joined') },
  { name: 'not_joined: leave', frame: () => JSON.stringify({ action: 'leave', topic: notJoinedTopic, ref: 'n2' }), expected: () => errorReply(notJoinedTopic, 'n2', 'not_joined') },
  {
    // Over the 28 KB payload limit, in a frame under API Gateway's 32 KB (a larger frame closes the socket).
    name: 'payload_too_large: push payload over 28 KB',
    frame: (t) => JSON.stringify({ action: 'push', topic: t, event: 'big', payload: { data: 'x'.repeat(29 * 1024) }, ref: 'p1' }),
    expected: (t) => errorReply(t, 'p1', 'payload_too_large'),
  },
  {
    name: 'payload_too_large: join payload over 28 KB (on the joined topic, so a rejoin that must not happen)',
    frame: (t) => JSON.stringify({ action: 'join', topic: t, payload: { data: 'x'.repeat(29 * 1024) }, ref: 'p2' }),
    expected: (t) => errorReply(t, 'p2', 'payload_too_large'),
  },
  {
    name: 'payload_too_large: presence meta over 1 KB',
    frame: (t) => JSON.stringify({ action: 'join', topic: t, payload: { meta: { bio: 'x'.repeat(2048) } }, ref: 'p3' }),
    expected: (t) => errorReply(t, 'p3', 'payload_too_large'),
  },
];

describe('error replies end to end', () => {
  it.each(cases)('$name: error reply, connection open, neighbour untouched', async ({ frame, expected }) => {
    // Prepare
    const { offender, neighbour, topic } = await pair();
    const neighbourMark = neighbour.mark();
    const offenderMark = offender.mark();

    // Act
    offender.socket.send(frame(topic));

    // Assess: exactly one reply, the error
    const reply = await offender.next((m) => (Array.isArray(m) ? m[3] : m?.event) === 'phx_reply');
    expect(reply).toEqual(expected(topic));
    expect(offender.isOpen).toBe(true);

    // Assess: the neighbour got nothing before the answer to its own ping
    const pong = await neighbour.ping();
    expect(neighbour.framesSince(neighbourMark)).toEqual([pong]);

    // Assess: the offender is still subscribed and usable; its push reaches the neighbour
    const pushed = await offender.request({ action: 'push', topic, event: 'after', payload: { ok: true } });
    expect(pushed).toMatchObject({ payload: { status: 'ok' } });
    expect(await neighbour.nextEvent('after')).toEqual({ topic, event: 'after', payload: { ok: true } });
    expect(await offender.nextEvent('after')).toEqual({ topic, event: 'after', payload: { ok: true } });
    const offenderEvents = offender.framesSince(offenderMark).map((m: any) => (Array.isArray(m) ? m[3] : m.event));
    expect(offenderEvents.filter((event) => event !== 'phx_reply' && event !== 'after')).toEqual([]);
  });

  it('"$disconnect" sent as an action does not remove the sender\'s items', async () => {
    // Prepare
    const { offender } = await pair();
    const id = connectionIdOf(gateway, offender);
    const before = await queryPartition(table, `c#${id}`);

    // Act
    expect(await offender.request({ action: '$disconnect' })).toMatchObject({ payload: { status: 'error', response: { reason: 'unknown_action' } } });

    // Assess
    expect(await queryPartition(table, `c#${id}`)).toEqual(before);
  });

  it('survives a burst of bad frames: one error reply each, nothing for the neighbour', async () => {
    // Prepare
    const { offender, neighbour, topic } = await pair();
    const neighbourMark = neighbour.mark();
    const offenderMark = offender.mark();
    const bad = ['', ' ', '{', '[', '{}', '[1,2,3,4,5]', '{"action":null}', '{"action":"push","topic":{"a":1}}', '{"action":"join","topic":"room:x","payload":[]}'];

    // Act: frames are handled concurrently, as API Gateway invokes them, so replies may come in any order
    for (const frame of bad) offender.send(frame);
    for (let i = 0; i < bad.length; i += 1) await offender.next((m) => (Array.isArray(m) ? m[3] : m?.event) === 'phx_reply');
    const pong = await offender.request({ action: 'ping', ref: 'last' });

    // Assess
    expect(pong).toMatchObject({ ref: 'last', payload: { status: 'ok' } });
    const statuses = offender.framesSince(offenderMark).map((m: any) => (Array.isArray(m) ? m[4] : m.payload).status);
    expect(statuses).toEqual([...bad.map(() => 'error'), 'ok']);
    expect(offender.isOpen).toBe(true);
    await offender.request({ action: 'push', topic, event: 'still-here' });
    expect(await neighbour.nextEvent('still-here')).toMatchObject({ topic });
    expect(neighbour.framesSince(neighbourMark).map((m: any) => m.event)).toEqual(['still-here']);
  });

  it('drops __proto__ keys from frames instead of polluting prototypes', async () => {
    // Prepare
    const { offender, neighbour, topic } = await pair();

    // Act
    offender.send(`{"action":"push","topic":"${topic}","event":"shout","payload":{"__proto__":{"polluted":true},"body":"hi"},"ref":"proto"}`);

    // Assess
    expect(await offender.reply('proto')).toMatchObject({ payload: { status: 'ok' } });
    const shout = await neighbour.nextFrame((m) => m.event === 'shout');
    expect(shout.text).toBe(`{"topic":"${topic}","event":"shout","payload":{"body":"hi"}}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
