/**
 * The custom join hook as a user wires it: by editing lambdas/custom/authorize.ts. Here
 * that module is replaced by a test double of the user's code; everything else is real
 * (the composition that imports it, the local gateway, the join use case).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AsyncJoinAuthorizationHook, JoinRequest } from '../../lambdas/core/authorization.js';

const calls = vi.hoisted(() => [] as JoinRequest[]);

vi.mock('../../lambdas/custom/authorize.js', () => {
  const authorizeJoin: AsyncJoinAuthorizationHook = async (request) => {
    calls.push(request);
    await new Promise((resolve) => setImmediate(resolve)); // it may look something up first
    if (request.topic === 'room:closed') return { allowed: false, message: 'closed for maintenance' };
    if (request.topic.startsWith('room:members:')) {
      return request.identity?.claims.team === 'a' ? { allowed: true } : { allowed: false, message: 'members only' };
    }
    if (request.topic === 'room:explodes') throw new Error('membership service is down');
    if (request.topic === 'room:vague') return { allowed: false } as never; // JS code may forget the message
    // Tries to open everything, user topics included: it must not be able to.
    return { allowed: true };
  };
  return { authorizeJoin };
});

const { startGateway } = await import('../../local-gateway/gateway.js');
const { messagingDependenciesFromEnvironment } = await import('../../lambdas/composition/environment/messaging.js');
const custom = await import('../../lambdas/custom/authorize.js');
const { jwtFor } = await import('./tokens.js');
const { connectOk } = await import('./ws-client.js');

const SECRET = 'custom-hook-secret-0123456789abcdef';
let gateway: Awaited<ReturnType<typeof startGateway>>;
const logged: string[] = [];

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    quiet: true,
    config: { auth: 'optional', topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] } }] },
    env: { TOPICAST_TOKEN_SECRET: SECRET },
    write: (line) => logged.push(line),
  });
});

afterAll(async () => {
  await gateway?.end();
});

describe('custom join hook (lambdas/custom/authorize.ts)', () => {
  it('is what both compositions use: the local gateway and the Lambda functions', () => {
    // Act
    const lambdaDeps = messagingDependenciesFromEnvironment({ TABLE_NAME: 'topicast', AWS_REGION: 'us-east-1' });

    // Assess
    expect(gateway.deps.authorizeHook).toBe(custom.authorizeJoin);
    expect(lambdaDeps.authorizeHook).toBe(custom.authorizeJoin);
  });

  it('refuses with its own message, and sees the topic, the identity and the join payload', async () => {
    // Prepare
    const alice = await connectOk(gateway.url, { token: await jwtFor(SECRET, { sub: 'alice', team: 'b' }) });

    // Act
    const reply = await alice.request({ action: 'join', topic: 'room:closed', payload: { invite: 'x' }, ref: '1' });

    // Assess
    expect(reply.payload).toEqual({ status: 'error', response: { reason: 'unauthorized', message: 'closed for maintenance' } });
    expect(calls.at(-1)).toEqual({ topic: 'room:closed', identity: { sub: 'alice', claims: expect.objectContaining({ sub: 'alice', team: 'b' }) }, payload: { invite: 'x' } });
    await alice.close();
  });

  it('decides on claims: team a may join room:members:*, team b may not', async () => {
    // Prepare
    const a = await connectOk(gateway.url, { token: await jwtFor(SECRET, { sub: 'ann', team: 'a' }) });
    const b = await connectOk(gateway.url, { token: await jwtFor(SECRET, { sub: 'ben', team: 'b' }) });

    // Act
    const [okReply, refused] = [await a.join('room:members:1'), await b.join('room:members:1')];

    // Assess
    expect(okReply.status).toBe('ok');
    expect(refused.response).toEqual({ reason: 'unauthorized', message: 'members only' });
    await a.close();
    await b.close();
  });

  it('cannot re-allow what the built-in rules refused: it is not even asked', async () => {
    // Prepare
    const bob = await connectOk(gateway.url, { token: await jwtFor(SECRET, { sub: 'bob' }) });
    const before = calls.length;

    // Act
    const userTopic = await bob.join('user:alice');
    const adminTopic = await bob.join('admin:panel');

    // Assess
    expect(userTopic.response.reason).toBe('unauthorized');
    expect(adminTopic.response.reason).toBe('unauthorized');
    expect(calls.length).toBe(before);
    await bob.close();
  });

  it('fails closed when it throws (internal_error) or refuses without a message, and the connection stays open', async () => {
    // Prepare
    const anon = await connectOk(gateway.url);

    // Act
    const exploded = await anon.join('room:explodes');
    const vague = await anon.join('room:vague');
    const push = await anon.request({ action: 'push', topic: 'room:explodes', event: 'e', ref: 'p' });

    // Assess
    expect(exploded.response.reason).toBe('internal_error');
    expect(vague.response).toEqual({ reason: 'unauthorized', message: 'room:vague was refused' });
    expect(push.payload.response.reason).toBe('not_joined');
    expect(anon.open).toBe(true);
    expect(logged.some((line) => line.includes('membership service is down'))).toBe(true);
    await anon.close();
  });
});
