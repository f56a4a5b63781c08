import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { asPhoenix, type PresenceDiffPayload, type PresencePayload } from '../support/messages.js';
import { getItem, queryPartition } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let topicCounter = 0;
const uniqueTopic = () => `room:${Date.now().toString(36)}-v2-${(topicCounter += 1)}`;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

/** Connects as the phoenix JS client does: `?vsn=2.0.0`. */
async function connectV2(h: Harness, label: string): Promise<string> {
  const id = connectionId(label);
  const response = await h.connect(id, { query: { vsn: '2.0.0' } });
  expect(response.statusCode).toBe(200);
  return id;
}

async function connectNative(h: Harness, label: string): Promise<string> {
  const id = connectionId(label);
  expect((await h.connect(id)).statusCode).toBe(200);
  return id;
}

describe('Phoenix V2 serializer', () => {
  it('records the connection format from vsn=2.0.0', async () => {
    // Prepare
    const h = createHarness(table);

    // Act
    const v2 = await connectV2(h, 'v2');
    const native = await connectNative(h, 'native');

    // Assess
    expect(await getItem(table, { pk: `c#${v2}`, sk: 'c' })).toMatchObject({ format: 'phoenix' });
    expect(await getItem(table, { pk: `c#${native}`, sk: 'c' })).toMatchObject({ format: 'native' });
  });

  it('answers phx_join with a V2 reply, then presence_state carrying the join_ref', async () => {
    // Prepare
    const h = createHarness(table);
    const client = await connectV2(h, 'v2');
    const topic = uniqueTopic();

    // Act: arrays have no "action", so API Gateway routes them to $default
    const response = await h.send(client, ['1', '1', topic, 'phx_join', { meta: { name: 'ada' } }]);

    // Assess
    expect(response.statusCode).toBe(200);
    const frames = h.sender.framesFor(client);
    expect(frames[0]).toBe(JSON.stringify(['1', '1', topic, 'phx_reply', { status: 'ok', response: {} }]));
    const [state] = asPhoenix(h.sender.messagesFor(client).slice(1));
    expect(state).toEqual(['1', null, topic, 'presence_state', { [client]: { metas: [{ name: 'ada', phx_ref: expect.any(String) }] } }]);
    expect(frames).toHaveLength(2);
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: client })).toMatchObject({ format: 'phoenix', joinRef: '1' });
  });

  it('sends broadcasts to V2 subscribers as [null, null, topic, event, payload]', async () => {
    // Prepare
    const h = createHarness(table);
    const [pusher, listener] = [await connectV2(h, 'pusher'), await connectV2(h, 'listener')];
    const topic = uniqueTopic();
    await h.send(pusher, ['1', '1', topic, 'phx_join', {}]);
    await h.send(listener, ['7', '7', topic, 'phx_join', {}]);
    h.sender.clear();

    // Act
    const response = await h.send(pusher, ['1', '2', topic, 'new_msg', { body: 'hi' }]);

    // Assess: the single reply is the route response
    expect(responseMessages(response)).toEqual([['1', '2', topic, 'phx_reply', { status: 'ok', response: {} }]]);
    expect(h.sender.framesFor(listener)).toEqual([JSON.stringify([null, null, topic, 'new_msg', { body: 'hi' }])]);
    expect(h.sender.framesFor(pusher)).toEqual([JSON.stringify([null, null, topic, 'new_msg', { body: 'hi' }])]);
  });

  it('gives native and V2 subscribers of one topic each their own format', async () => {
    // Prepare
    const h = createHarness(table);
    const v2 = await connectV2(h, 'v2');
    const native = await connectNative(h, 'native');
    const topic = uniqueTopic();
    await h.send(v2, ['3', '3', topic, 'phx_join', {}]);
    const nativeJoin = await h.send(native, { action: 'join', topic, payload: { meta: { name: 'nat' } }, ref: '1' });
    expect(nativeJoin.statusCode).toBe(200);

    // Assess: the V2 subscriber's presence_diff carries its own join_ref, as Phoenix does
    const [diff] = asPhoenix(h.sender.messagesFor(v2)).filter((message) => message[3] === 'presence_diff');
    expect(diff?.[0]).toBe('3');
    expect(diff?.[1]).toBeNull();
    expect((diff?.[4] as PresenceDiffPayload).joins[native]?.metas).toEqual([{ name: 'nat', phx_ref: expect.any(String) }]);
    h.sender.clear();

    // Act
    await h.send(native, { action: 'push', topic, event: 'shout', payload: { n: 1 } });
    await h.send(v2, ['3', '4', topic, 'shout', { n: 2 }]);

    // Assess
    expect(h.sender.messagesFor(native)).toEqual([
      { topic, event: 'shout', payload: { n: 1 } },
      { topic, event: 'shout', payload: { n: 2 } },
    ]);
    expect(h.sender.messagesFor(v2)).toEqual([
      [null, null, topic, 'shout', { n: 1 }],
      [null, null, topic, 'shout', { n: 2 }],
    ]);
  });

  it('answers phx_leave with a reply and then phx_close, and tells others', async () => {
    // Prepare
    const h = createHarness(table);
    const [leaver, stayer] = [await connectV2(h, 'leaver'), await connectV2(h, 'stayer')];
    const topic = uniqueTopic();
    await h.send(leaver, ['1', '1', topic, 'phx_join', {}]);
    await h.send(stayer, ['5', '5', topic, 'phx_join', {}]);
    const leaverState = asPhoenix(h.sender.messagesFor(leaver)).find((m) => m[3] === 'presence_state');
    const leaverMeta = (leaverState?.[4] as PresencePayload)[leaver]?.metas[0];
    h.sender.clear();

    // Act
    const response = await h.send(leaver, ['1', '2', topic, 'phx_leave', {}]);

    // Assess
    expect(response).toEqual({ statusCode: 200 });
    expect(h.sender.messagesFor(leaver)).toEqual([
      ['1', '2', topic, 'phx_reply', { status: 'ok', response: {} }],
      ['1', '1', topic, 'phx_close', {}],
    ]);
    expect(h.sender.messagesFor(stayer)).toEqual([['5', null, topic, 'presence_diff', { joins: {}, leaves: { [leaver]: { metas: [leaverMeta] } } }]]);
    expect(await queryPartition(table, `t#${topic}#0`)).toHaveLength(1);
  });

  it('answers a heartbeat on the phoenix topic without touching the table', async () => {
    // Prepare
    const h = createHarness(table);
    const client = await connectV2(h, 'hb');
    const before = await queryPartition(table, `c#${client}`);

    // Act
    const response = await h.send(client, [null, '5', 'phoenix', 'heartbeat', {}]);

    // Assess
    expect(responseMessages(response)).toEqual([[null, '5', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]]);
    expect(h.sender.attempts).toEqual([]);
    expect(await queryPartition(table, `c#${client}`)).toEqual(before);
  });

  it('answers errors in the V2 format with the request refs', async () => {
    // Prepare
    const h = createHarness(table);
    const client = await connectV2(h, 'err');
    const topic = uniqueTopic();

    // Act
    const notJoined = await h.send(client, ['1', '9', topic, 'shout', {}]);
    const reserved = await h.send(client, ['1', '10', topic, 'presence_state', {}]);
    const wrongLength = await h.send(client, ['1', '11', topic, 'phx_join']);

    // Assess
    expect(responseMessages(notJoined)).toEqual([['1', '9', topic, 'phx_reply', { status: 'error', response: { reason: 'not_joined', message: expect.any(String) } }]]);
    expect(responseMessages(reserved)).toEqual([['1', '10', topic, 'phx_reply', { status: 'error', response: { reason: 'reserved_event', message: expect.any(String) } }]]);
    expect(responseMessages(wrongLength)).toEqual([[null, null, topic, 'phx_reply', { status: 'error', response: { reason: 'invalid_frame', message: expect.any(String) } }]]);
  });

  it('syncs with the phoenix client Presence from the messages it receives', async () => {
    // Prepare
    const { Presence } = await import('phoenix');
    const h = createHarness(table);
    const [watcher, a, b] = [await connectV2(h, 'watcher'), await connectV2(h, 'a'), await connectV2(h, 'b')];
    const topic = uniqueTopic();

    // Act
    await h.send(watcher, ['1', '1', topic, 'phx_join', {}]);
    await h.send(a, ['1', '1', topic, 'phx_join', { meta: { n: 'a' } }]);
    await h.send(b, ['1', '1', topic, 'phx_join', { meta: { n: 'b' } }]);
    await h.send(a, ['1', '1', topic, 'phx_join', { meta: { n: 'a2' } }]);
    await h.send(b, ['1', '2', topic, 'phx_leave', {}]);
    let state: object = {};
    for (const [, , msgTopic, event, payload] of asPhoenix(h.sender.messagesFor(watcher))) {
      if (msgTopic !== topic) continue;
      if (event === 'presence_state') state = Presence.syncState(state, payload as object);
      if (event === 'presence_diff') state = Presence.syncDiff(state, payload as PresenceDiffPayload);
    }

    // Assess
    const listed = Presence.list(state, (key: string, presence: { metas: { n?: string }[] }) => [key, presence.metas.map((m) => m.n ?? null)]);
    expect(listed.sort()).toEqual([[a, ['a2']], [watcher, [null]]].sort());
  });
});
