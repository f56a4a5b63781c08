/**
 * The native protocol as a wscat user sees it, through real sockets and the local
 * gateway: join (reply, presence_state), push (broadcast to everyone including the
 * sender, reply with ref), `self: false`, leave, rejoin and ping.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

let gateway: RunningGateway;
const clients: WsClient[] = [];

async function connect(): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients);
}

beforeAll(async () => {
  gateway = await startTestGateway();
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

const okReply = (topic: string | null, ref: string | null, response: Record<string, unknown> = {}) => ({
  topic,
  event: 'phx_reply',
  ref,
  payload: { status: 'ok', response },
});
const anyPhxRef = { phx_ref: expect.any(String) };

describe('native protocol end to end', () => {
  it('follows the README wscat session: join, presence, push, self:false, leave, ping', async () => {
    // Prepare
    const { client: alice, id: aliceId } = await connect();
    const { client: bob, id: bobId } = await connect();

    // Act: alice joins with ref "1", exactly as typed into wscat
    alice.send('{"action":"join","topic":"room:lobby","payload":{},"ref":"1"}');

    // Assess: the reply is the first frame, byte for byte, then her presence_state
    const joinReply = await alice.nextFrame((m) => m.event === 'phx_reply');
    expect(joinReply.text).toBe('{"topic":"room:lobby","event":"phx_reply","ref":"1","payload":{"status":"ok","response":{}}}');
    expect(alice.frames[0]).toBe(joinReply);
    expect(await alice.nextEvent('presence_state')).toEqual({
      topic: 'room:lobby',
      event: 'presence_state',
      payload: { [aliceId]: { metas: [anyPhxRef] } },
    });

    // Act: bob joins with a presence meta
    bob.send({ action: 'join', topic: 'room:lobby', payload: { meta: { name: 'bob' } }, ref: '1' });

    // Assess: bob gets his reply and the state with both; alice gets bob's join diff
    expect(await bob.reply('1')).toEqual(okReply('room:lobby', '1'));
    expect(await bob.nextEvent('presence_state')).toEqual({
      topic: 'room:lobby',
      event: 'presence_state',
      payload: { [aliceId]: { metas: [anyPhxRef] }, [bobId]: { metas: [{ name: 'bob', ...anyPhxRef }] } },
    });
    expect(await alice.nextEvent('presence_diff')).toEqual({
      topic: 'room:lobby',
      event: 'presence_diff',
      payload: { joins: { [bobId]: { metas: [{ name: 'bob', ...anyPhxRef }] } }, leaves: {} },
    });

    // Act: alice shouts
    alice.send('{"action":"push","topic":"room:lobby","event":"shout","payload":{"body":"hello"},"ref":"2"}');

    // Assess: both subscribers, the sender included, get the broadcast (no ref), and alice her reply
    const broadcast = '{"topic":"room:lobby","event":"shout","payload":{"body":"hello"}}';
    expect((await alice.nextFrame((m) => m.event === 'shout')).text).toBe(broadcast);
    expect((await bob.nextFrame((m) => m.event === 'shout')).text).toBe(broadcast);
    expect((await alice.nextFrame((m) => m.ref === '2')).text).toBe('{"topic":"room:lobby","event":"phx_reply","ref":"2","payload":{"status":"ok","response":{}}}');

    // Act: alice shouts with self:false
    const aliceMark = alice.mark();
    alice.send({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { body: 'not me' }, self: false, ref: '3' });

    // Assess: bob gets it; alice gets only her reply (a broadcast to her would be posted before it)
    expect(await bob.nextEvent('shout')).toEqual({ topic: 'room:lobby', event: 'shout', payload: { body: 'not me' } });
    expect(await alice.reply('3')).toEqual(okReply('room:lobby', '3'));
    await alice.ping();
    expect(alice.framesSince(aliceMark).map((m: any) => m.event)).toEqual(['phx_reply', 'phx_reply']);

    // Act: alice leaves
    alice.send('{"action":"leave","topic":"room:lobby","ref":"4"}');

    // Assess: her reply, and bob sees her leave with the meta she had
    expect(await alice.reply('4')).toEqual(okReply('room:lobby', '4'));
    expect(await bob.nextEvent('presence_diff')).toEqual({
      topic: 'room:lobby',
      event: 'presence_diff',
      payload: { joins: {}, leaves: { [aliceId]: { metas: [anyPhxRef] } } },
    });

    // Act: bob shouts after alice left
    const afterLeave = alice.mark();
    expect(await bob.request({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { body: 'anyone?' } })).toMatchObject({ payload: { status: 'ok' } });
    expect(await bob.nextEvent('shout')).toMatchObject({ payload: { body: 'anyone?' } });

    // Assess: alice, who left, got nothing before her ping reply
    alice.send('{"action":"ping","ref":"5"}');
    const pong = await alice.nextFrame((m) => m.ref === '5');
    expect(pong.text).toBe('{"topic":null,"event":"phx_reply","ref":"5","payload":{"status":"ok","response":{}}}');
    expect(alice.framesSince(afterLeave)).toEqual([pong.json]);
  });

  it('answers a ping without a ref with ref null and topic null', async () => {
    // Prepare
    const { client } = await connect();

    // Act
    client.send('{"action":"ping"}');

    // Assess
    expect((await client.nextFrame(() => true)).text).toBe('{"topic":null,"event":"phx_reply","ref":null,"payload":{"status":"ok","response":{}}}');
  });

  it('broadcasts a push without a ref and answers nothing, unless it is refused (native and Phoenix V2)', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice } = await connect();
    const { client: bob } = await connect();
    await alice.join(topic);
    await bob.join(topic);
    await alice.ping();
    const aliceMark = alice.mark();

    // Act: a native push and a Phoenix V2 push, both without a ref, then a ping
    alice.send({ action: 'push', topic, event: 'typing', payload: { n: 1 }, self: false });
    expect(await bob.nextEvent('typing')).toEqual({ topic, event: 'typing', payload: { n: 1 } });
    alice.send([null, null, topic, 'typing', { n: 2 }]);
    expect(await bob.nextEvent('typing', (m) => m.payload?.n === 2)).toMatchObject({ payload: { n: 2 } });
    await alice.ping();

    // Assess: the V2 push echoed back to alice (no self:false in V2), no reply before the pong
    expect(alice.framesSince(aliceMark).map((m: any) => (Array.isArray(m) ? m[3] : m.event))).toEqual(['typing', 'phx_reply']);

    // Act: a push without a ref that is refused
    alice.send({ action: 'push', topic: `${topic}:never`, event: 'typing' });

    // Assess: the refusal is answered, with ref null
    expect(await alice.next((m) => m.event === 'phx_reply' && m.payload?.status === 'error')).toMatchObject({ topic: `${topic}:never`, ref: null, payload: { response: { reason: 'not_joined' } } });
  });

  it('defaults a missing payload to {} in the broadcast and echoes numeric refs as strings', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);

    // Act
    client.send({ action: 'push', topic, event: 'poke', ref: 7 });

    // Assess
    expect(await client.nextEvent('poke')).toEqual({ topic, event: 'poke', payload: {} });
    expect(await client.reply('7')).toEqual(okReply(topic, '7'));
  });

  it('treats a second join of the same topic as a rejoin: ok, one subscription, the meta replaced', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice, id: aliceId } = await connect();
    const { client: bob } = await connect();
    await alice.join(topic, { meta: { mood: 'calm' } });
    const firstState = await alice.nextEvent('presence_state');
    const firstMeta = firstState.payload[aliceId].metas[0];
    await bob.join(topic);

    // Act
    const reply = await alice.join(topic, { meta: { mood: 'busy' } });

    // Assess: ok again; bob sees the old meta leave and the new one join
    expect(reply).toEqual(okReply(topic, reply.ref));
    const diff = await bob.nextEvent('presence_diff');
    expect(diff.payload).toEqual({
      joins: { [aliceId]: { metas: [{ mood: 'busy', ...anyPhxRef }] } },
      leaves: { [aliceId]: { metas: [firstMeta] } },
    });
    const secondState = await alice.nextEvent('presence_state');
    expect(secondState.payload[aliceId].metas).toEqual([{ mood: 'busy', ...anyPhxRef }]);

    // Assess: a push reaches alice once, not twice
    await bob.request({ action: 'push', topic, event: 'shout', payload: { n: 1 } });
    expect(await alice.nextEvent('shout')).toMatchObject({ payload: { n: 1 } });
    const mark = alice.mark();
    await alice.ping();
    expect(alice.framesSince(mark).map((m: any) => m.event)).toEqual(['phx_reply']);
  });

  it('keeps topics apart: a push reaches the subscribers of its topic only', async () => {
    // Prepare
    const [red, blue] = [uniqueTopic('red'), uniqueTopic('blue')];
    const { client: onRed } = await connect();
    const { client: onBlue } = await connect();
    const { client: onBoth } = await connect();
    await onRed.join(red);
    await onBlue.join(blue);
    await onBoth.join(red);
    await onBoth.join(blue);
    const blueMark = onBlue.mark();

    // Act
    await onRed.request({ action: 'push', topic: red, event: 'shout', payload: { to: 'red' } });

    // Assess
    expect(await onBoth.nextEvent('shout')).toEqual({ topic: red, event: 'shout', payload: { to: 'red' } });
    expect(await onRed.nextEvent('shout')).toEqual({ topic: red, event: 'shout', payload: { to: 'red' } });
    await onBlue.ping();
    expect(onBlue.framesSince(blueMark).map((m: any) => m.event)).toEqual(['phx_reply']);
  });
});
