/**
 * The hostile-frame corpus (hostile-frames.ts) through the local gateway: one attacker
 * connection sends every frame, one at a time, while a neighbour sits in room:lobby.
 * Each frame must get its stable reason and a message, the attacker's connection must stay
 * open, nothing may be broadcast (not even back to the attacker), and the neighbour must
 * receive nothing: its next frame after the corpus is a legitimate broadcast. The
 * functions run in processes of their own (the template runtime, as `npm start`); so that
 * "no prototype changed" still means something, the corpus also goes through the same
 * handlers in this process (topicast-harness.ts), whose prototypes are then compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realtimeStore, startGateway, type RunningGateway } from '../support/template-gateway.js';
import { REASONS } from '../../lambdas/core/protocol/constants.js';
import { MAX_TOPIC_LENGTH } from '../../lambdas/core/topics.js';
import type { ConnectionState, SubscriptionRecord } from '../../lambdas/core/ports.js';
import { ADMIN_RULE, ATTACKER_SUB, CORPUS_LIMITS, HOSTILE_FRAMES, LOBBY, type HostileFrame, type Phase } from './hostile-frames.js';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import { startTestTable } from '../support/dynalite.js';
import { connectionId, createHarness } from '../support/topicast-harness.js';
import { jwtFor } from './tokens.js';
import { connectOk, describeFrame, type TestClient } from './ws-client.js';

const SECRET = 'hostile-frames-secret-3b7e91d04c2a';
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const prototypeNames = (value: object) => Object.getOwnPropertyNames(value).sort();
const PROTOTYPES_BEFORE = {
  object: prototypeNames(Object.prototype),
  array: prototypeNames(Array.prototype),
  function: prototypeNames(Function.prototype),
};

let gateway: RunningGateway;
let neighbour: TestClient;
let attacker: TestClient;
let neighbourId: string;
let neighbourStateBefore: ConnectionState;
let lobbyBefore: string[];

async function lobbySubscribers(): Promise<string[]> {
  const members: SubscriptionRecord[] = [];
  for await (const page of realtimeStore(gateway).listSubscribers(LOBBY, 1, 'presence')) members.push(...page);
  return members.map((member) => `${member.connectionId} ${member.presenceKey ?? ''}`).sort();
}

beforeAll(async () => {
  gateway = await startGateway({
    // A presence diff per change, at once: "nothing else arrived" below is then exact.
    // Every push written to the counter (pushesPerCounterWrite 1): native pushes and V2 frames run in two functions
    // (push, $default), each environment counting on its own, so only then is the limit exact (push-rate-limiter.ts).
    config: { auth: 'optional', topicRules: [ADMIN_RULE], limits: { ...CORPUS_LIMITS, pushesPerCounterWrite: 1 }, presence: { windowMs: 0 } },
    env: { TOPICAST_TOKEN_SECRET: SECRET },
  });
  neighbour = await connectOk(gateway.url);
  neighbourId = [...gateway.connections.all()][0]?.connectionId as string;
  attacker = await connectOk(gateway.url, { token: await jwtFor(SECRET, { sub: ATTACKER_SUB }) });

  // The attacker is in the lobby first, so the neighbour's own join frames come before anything else.
  expect((await attacker.join(LOBBY)).status).toBe('ok');
  await attacker.take((frame) => frame.event === 'presence_state', "the attacker's presence_state");
  expect((await neighbour.join(LOBBY)).status).toBe('ok');
  await neighbour.take((frame) => frame.event === 'presence_state', "the neighbour's presence_state");
  await attacker.take((frame) => frame.event === 'presence_diff', "the neighbour's arrival");
  expect(neighbour.pending).toEqual([]);
  expect(attacker.pending).toEqual([]);
  neighbourStateBefore = await realtimeStore(gateway).getConnectionState(neighbourId);
  lobbyBefore = await lobbySubscribers();
});

afterAll(async () => {
  await gateway?.end();
});

const framesOf = (phase: Phase) => HOSTILE_FRAMES.filter((frame) => frame.phase === phase).map((frame) => [frame.name, frame] as const);

/** Sends one corpus frame and checks everything a single refusal must satisfy. */
async function assertRefused(entry: HostileFrame): Promise<void> {
  const binary = typeof entry.frame !== 'string';
  const data = typeof entry.frame === 'string' ? entry.frame : Buffer.from(entry.frame.binary);

  const reply = await attacker.request(data, binary);

  expect(reply.payload.status, describeFrame(data)).toBe('error');
  expect(reply.payload.response.reason, describeFrame(data)).toBe(entry.reason);
  expect(reply.payload.response.message).toEqual(expect.any(String));
  expect((reply.payload.response.message as string).length).toBeGreaterThan(0);
  // A topic is echoed only when it is a valid one: never control characters, never oversized.
  if (reply.topic !== null) {
    expect(reply.topic).not.toMatch(CONTROL);
    expect(reply.topic.length).toBeLessThanOrEqual(MAX_TOPIC_LENGTH);
  }
  // Nothing came back but the reply: a broadcast to the lobby would reach the attacker too,
  // before its reply, on the same socket.
  expect(attacker.pending).toEqual([]);
  expect(attacker.open).toBe(true);
}

describe('hostile frames', () => {
  it('the corpus holds at least 50 frames and covers every reason a client can cause', () => {
    // Assess
    expect(HOSTILE_FRAMES.length).toBeGreaterThanOrEqual(50);
    // join_interrupted needs two frames racing (a leave landing inside a join), not one bad frame.
    const clientReasons = Object.values(REASONS).filter((reason) => reason !== REASONS.internalError && reason !== REASONS.joinInterrupted);
    expect(new Set(HOSTILE_FRAMES.map((frame) => frame.reason))).toEqual(new Set(clientReasons));
    expect(new Set(HOSTILE_FRAMES.map((frame) => frame.name)).size).toBe(HOSTILE_FRAMES.length);
  });

  describe('open: a connection joined to the lobby only', () => {
    it.each(framesOf('open'))('refuses %s', async (_name, entry) => {
      await assertRefused(entry);
    });

    it('the neighbour got none of it: its next frame is the attacker’s first legitimate push', async () => {
      // Act
      const reply = await attacker.request({ action: 'push', topic: LOBBY, event: 'proof', payload: { n: 1 }, ref: 'proof' });

      // Assess
      expect(reply.payload.status).toBe('ok');
      expect(await neighbour.next("the neighbour's next frame")).toMatchObject({ topic: LOBBY, event: 'proof', payload: { n: 1 } });
      expect(neighbour.pending).toEqual([]);
      await attacker.take((frame) => frame.event === 'proof', 'its own broadcast');
    });
  });

  describe('topic-limit: a connection at its topic quota', () => {
    it(`joins up to ${CORPUS_LIMITS.maxTopicsPerConnection} topics`, async () => {
      // Act & Assess
      for (let i = 2; i <= CORPUS_LIMITS.maxTopicsPerConnection; i += 1) {
        expect((await attacker.join(`room:attacker-${i}`)).status).toBe('ok');
        await attacker.take((frame) => frame.event === 'presence_state', 'its presence_state');
      }
    });

    it.each(framesOf('topic-limit'))('refuses %s', async (_name, entry) => {
      await assertRefused(entry);
    });
  });

  describe('rate-limit: a connection that spent its push budget', () => {
    it(`is refused after at most ${CORPUS_LIMITS.maxPushesPerWindow} pushes in the window`, async () => {
      // Act: push to a topic the neighbour is not in until the limit bites.
      let accepted = 0;
      let refusedWith: string | undefined;
      for (let attempt = 0; attempt <= CORPUS_LIMITS.maxPushesPerWindow && refusedWith === undefined; attempt += 1) {
        const reply = await attacker.request({ action: 'push', topic: 'room:attacker-2', event: 'fill', ref: `f${attempt}` });
        if (reply.payload.status === 'ok') {
          accepted += 1;
          await attacker.take((frame) => frame.event === 'fill', 'its own broadcast');
        } else {
          refusedWith = reply.payload.response.reason;
        }
      }

      // Assess
      expect(refusedWith).toBe('rate_limited');
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(CORPUS_LIMITS.maxPushesPerWindow);
    });

    it.each(framesOf('rate-limit'))('refuses %s', async (_name, entry) => {
      await assertRefused(entry);
    });
  });

  describe('afterwards', () => {
    it('the neighbour got none of it: its next frames are its own push and reply', async () => {
      // Act
      neighbour.send({ action: 'push', topic: LOBBY, event: 'sentinel', ref: 's' });
      const first = await neighbour.next("the neighbour's next frame");
      const second = await neighbour.next("the neighbour's frame after that");

      // Assess: broadcast and reply, in either order, and nothing before them.
      const events = [first, second].map((frame) => frame.event).sort();
      expect(events).toEqual(['phx_reply', 'sentinel']);
      expect([first, second].find((frame) => frame.event === 'phx_reply')?.payload).toEqual({ status: 'ok', response: {} });
      // The attacker is still subscribed and receives it too.
      expect(await attacker.take((frame) => frame.event === 'sentinel', 'the sentinel')).toMatchObject({ topic: LOBBY });
    });

    it("left the neighbour's stored state and the lobby's subscribers as they were", async () => {
      // Act
      const after = await realtimeStore(gateway).getConnectionState(neighbourId);

      // Assess
      expect(after).toEqual(neighbourStateBefore);
      expect(await lobbySubscribers()).toEqual(lobbyBefore);
    });

    it('kept the attacker connected and answering', async () => {
      // Act
      const pong = await attacker.request({ action: 'ping', ref: 'still-here' });

      // Assess
      expect(pong.payload.status).toBe('ok');
      expect(attacker.open).toBe(true);
      expect(neighbour.open).toBe(true);
      expect(gateway.connections.size).toBe(2);
    });

    it('polluted no prototype where the handlers ran: the whole corpus again through them in this process', async () => {
      // Prepare: the attacker and the neighbour as above, on the route handlers the functions run
      const table = await startTestTable();
      try {
        const h = createHarness(table, {
          config: { auth: 'optional', topicRules: [ADMIN_RULE], limits: { ...CORPUS_LIMITS } },
          verifier: new JwtVerifier({ secret: () => Promise.resolve(SECRET) }),
        });
        const mallory = connectionId('mallory');
        const bystander = connectionId('neighbour');
        expect((await h.connect(mallory, { query: { token: await jwtFor(SECRET, { sub: ATTACKER_SUB }) } })).statusCode).toBe(200);
        expect((await h.connect(bystander)).statusCode).toBe(200);
        await h.send(bystander, { action: 'join', topic: LOBBY, ref: '1' });
        await h.send(mallory, { action: 'join', topic: LOBBY, ref: '1' });

        // Act: every text frame (a binary one never reaches a handler: API Gateway closes the connection with 1003)
        for (const entry of HOSTILE_FRAMES) {
          if (typeof entry.frame === 'string') expect((await h.send(mallory, entry.frame)).statusCode).toBe(200);
        }
      } finally {
        await table.stop();
      }

      // Assess
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(prototypeNames(Object.prototype)).toEqual(PROTOTYPES_BEFORE.object);
      expect(prototypeNames(Array.prototype)).toEqual(PROTOTYPES_BEFORE.array);
      expect(prototypeNames(Function.prototype)).toEqual(PROTOTYPES_BEFORE.function);
    });
  });
});
