/**
 * Who may join what, through the local gateway with real WebSocket clients: anonymous,
 * alice, bob and admins against user topics, a claim-guarded topic and an open one. A
 * refused join subscribes nothing (a push there is `not_joined`), and a user's topic
 * never leaks to another user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';
import { jwtFor } from './tokens.js';
import { connectOk, type TestClient } from './ws-client.js';

const SECRET = 'authorization-matrix-secret-5d1c0e9a';

type Who = 'anonymous' | 'alice' | 'bob' | 'admin' | 'multiRoleAdmin' | 'wrongCaseAdmin';
const CLAIMS: Record<Exclude<Who, 'anonymous'>, Record<string, unknown>> = {
  alice: { sub: 'alice' },
  bob: { sub: 'bob' },
  admin: { sub: 'carol', role: 'admin' },
  // Cognito-style list claim: one matching entry is enough.
  multiRoleAdmin: { sub: 'dave', role: ['ops', 'admin'] },
  wrongCaseAdmin: { sub: 'mallory', role: 'Admin' },
};

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({
    config: {
      auth: 'optional',
      topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] } }],
      // No presence frames on rooms, so "the next frame" below is exact.
      presenceDisabled: ['room:*'],
    },
    env: { TOPICAST_TOKEN_SECRET: SECRET },
  });
});

afterAll(async () => {
  await gateway?.end();
});

async function connectAsWho(who: Who): Promise<TestClient> {
  if (who === 'anonymous') return connectOk(gateway.url);
  return connectOk(gateway.url, { token: await jwtFor(SECRET, CLAIMS[who]) });
}

const ok = 'ok' as const;
const no = 'unauthorized' as const;

// topic -> expected outcome per identity
const MATRIX: Record<string, Record<Who, typeof ok | typeof no>> = {
  'user:alice': { anonymous: no, alice: ok, bob: no, admin: no, multiRoleAdmin: no, wrongCaseAdmin: no },
  'user:alice:inbox': { anonymous: no, alice: ok, bob: no, admin: no, multiRoleAdmin: no, wrongCaseAdmin: no },
  'user:bob': { anonymous: no, alice: no, bob: ok, admin: no, multiRoleAdmin: no, wrongCaseAdmin: no },
  'admin:panel': { anonymous: no, alice: no, bob: no, admin: ok, multiRoleAdmin: ok, wrongCaseAdmin: no },
  'room:lobby': { anonymous: ok, alice: ok, bob: ok, admin: ok, multiRoleAdmin: ok, wrongCaseAdmin: ok },
};

const CASES = Object.entries(MATRIX).flatMap(([topic, row]) => Object.entries(row).map(([who, expected]) => [who as Who, topic, expected] as const));

describe('authorization matrix', () => {
  it.each(CASES)('%s joining %s: %s', async (who, topic, expected) => {
    // Prepare
    const client = await connectAsWho(who);

    // Act
    const before = await client.request({ action: 'push', topic, event: 'hello', ref: 'before' });
    const join = await client.request({ action: 'join', topic, ref: 'j' });
    const push = await client.request({ action: 'push', topic, event: 'hello', payload: { from: who }, ref: 'after' });

    // Assess
    expect(before.payload.response.reason, 'push before any join').toBe('not_joined');
    if (expected === ok) {
      expect(join.payload).toEqual({ status: 'ok', response: {} });
      expect(push.payload.status).toBe('ok');
      const echoed = await client.take((frame) => frame.event === 'hello', 'its own broadcast');
      expect(echoed.payload).toEqual({ from: who });
    } else {
      expect(join.topic).toBe(topic);
      expect(join.ref).toBe('j');
      expect(join.payload).toEqual({ status: 'error', response: { reason: 'unauthorized', message: expect.any(String) } });
      // A refused join subscribed nothing.
      expect(push.payload.response.reason).toBe('not_joined');
    }
    expect(client.open).toBe(true);
    await client.close();
  });

  it('refuses a Phoenix V2 join the same way, in V2 format', async () => {
    // Prepare
    const alice = await connectAsWho('alice');

    // Act
    alice.send(JSON.stringify(['3', '3', 'user:bob', 'phx_join', {}]));
    const reply = await alice.reply();

    // Assess
    expect(reply.format).toBe('phoenix');
    expect(JSON.parse(reply.raw)).toEqual(['3', '3', 'user:bob', 'phx_reply', { status: 'error', response: { reason: 'unauthorized', message: expect.any(String) } }]);
    await alice.close();
  });

  it('takes the identity from the token only: a join payload claiming to be alice changes nothing', async () => {
    // Prepare
    const anonymous = await connectAsWho('anonymous');
    const bob = await connectAsWho('bob');
    const aliceToken = await jwtFor(SECRET, { sub: 'alice' });
    const forged = { sub: 'alice', token: aliceToken, identity: { sub: 'alice' }, claims: { role: 'admin' }, role: 'admin' };

    // Act
    const replies = [
      await anonymous.request({ action: 'join', topic: 'user:alice', payload: forged, ref: '1' }),
      await bob.request({ action: 'join', topic: 'user:alice', payload: forged, ref: '2' }),
      await bob.request({ action: 'join', topic: 'admin:panel', payload: forged, ref: '3' }),
    ];

    // Assess
    expect(replies.map((reply) => reply.payload.response.reason)).toEqual(['unauthorized', 'unauthorized', 'unauthorized']);
    await anonymous.close();
    await bob.close();
  });

  it("never delivers alice's user topic to bob: bob's next frame is the room broadcast that follows", async () => {
    // Prepare
    const alice = await connectAsWho('alice');
    const bob = await connectAsWho('bob');
    expect((await alice.join('user:alice')).status).toBe('ok');
    expect((await alice.join('room:lobby')).status).toBe('ok');
    expect((await bob.join('room:lobby')).status).toBe('ok');
    const bobRefused = await bob.join('user:alice');
    expect(bobRefused.response.reason).toBe('unauthorized');

    // Act
    expect((await alice.request({ action: 'push', topic: 'user:alice', event: 'private', payload: { pin: '1234' }, ref: 'p1' })).payload.status).toBe('ok');
    expect((await alice.request({ action: 'push', topic: 'room:lobby', event: 'sentinel', ref: 'p2' })).payload.status).toBe('ok');

    // Assess
    const next = await bob.next("bob's next frame");
    expect(next).toMatchObject({ topic: 'room:lobby', event: 'sentinel' });
    expect(bob.pending).toEqual([]);
    await alice.close();
    await bob.close();
  });
});
