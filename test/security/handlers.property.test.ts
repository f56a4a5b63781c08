/**
 * Property-based: arbitrary strings, JSON, near-valid frames, Phoenix arrays and binary
 * bodies through the REAL route handlers (the factories the Lambda functions and the local
 * gateway use) on a real table. Whatever arrives, on whichever route: the handler never
 * throws, answers 200 with exactly one reply, every refusal carries a stable reason other
 * than internal_error, nothing is logged as an error, and a neighbour hears nothing.
 * (The codec alone has its own property test in test/unit/protocol.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import { REASONS } from '../../lambdas/core/protocol/constants.js';
import type { GatewayEvent, GatewayHandler } from '../../lambdas/handlers/api-gateway-event.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { messageEvent, routeKeyFor } from '../support/gateway-events.js';
import { connectionId, createHarness, type Harness } from '../support/topicast-harness.js';
import { jwtFor } from './tokens.js';

const SECRET = 'property-test-secret-a4f0c3d2e1';
const NEIGHBOUR_TOPIC = 'room:neighbour';
const RUNS = { numRuns: 150 };
const CLIENT_REASONS = new Set<string>(Object.values(REASONS).filter((reason) => reason !== REASONS.internalError));

/** Outcomes seen (`ok` or a reason), to prove the inputs reach deep into the use cases. */
const seen = new Set<string>();

let table: TestTable;
let h: Harness;
let attacker: string;
let neighbour: string;

beforeAll(async () => {
  table = await startTestTable();
  h = createHarness(table, {
    config: { auth: 'optional', topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] } }] },
    verifier: new JwtVerifier({ secret: () => Promise.resolve(SECRET) }),
  });
  attacker = connectionId('fuzz');
  neighbour = connectionId('neighbour');
  expect((await h.connect(attacker, { query: { token: await jwtFor(SECRET, { sub: 'fuzz' }) } })).statusCode).toBe(200);
  expect((await h.connect(neighbour)).statusCode).toBe(200);
  expect((await h.send(neighbour, { action: 'join', topic: NEIGHBOUR_TOPIC, ref: '1' })).statusCode).toBe(200);
  h.sender.clear();
});

afterAll(async () => {
  await table?.stop();
});

interface Parsed {
  readonly event: string;
  readonly payload: { status?: string; response?: { reason?: unknown; message?: unknown } };
}

function parse(frame: string): Parsed {
  const value = JSON.parse(frame) as unknown;
  if (Array.isArray(value)) return { event: value[3] as string, payload: value[4] as Parsed['payload'] };
  const object = value as { event: string; payload: Parsed['payload'] };
  return { event: object.event, payload: object.payload };
}

/** A native push or a Phoenix V2 event frame, either without a ref. */
function isPushWithoutRef(body: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  if (Array.isArray(value)) {
    const [, ref, topic, event] = value as unknown[];
    return value.length === 5 && ref === null && event !== 'phx_join' && event !== 'phx_leave' && !(event === 'heartbeat' && topic === 'phoenix');
  }
  if (value === null || typeof value !== 'object') return false;
  const frame = value as { action?: unknown; ref?: unknown };
  return frame.action === 'push' && (frame.ref === undefined || frame.ref === null);
}

/** Runs one event through one handler and checks the contract every input must meet. */
async function withinContract(handler: GatewayHandler, event: GatewayEvent): Promise<void> {
  const sentBefore = h.sender.framesFor(attacker).length;
  const errorsBefore = h.logger.entries.filter((entry) => entry.level === 'error').length;

  const response = await handler(event);

  expect(response.statusCode).toBe(200);
  const frames = [...(response.body ? response.body.split('\n') : []), ...h.sender.framesFor(attacker).slice(sentBefore)];
  const parsed = frames.map(parse);
  const replies = parsed.filter((frame) => frame.event === 'phx_reply');
  // An accepted push without a ref is the one frame nothing answers (docs/protocol.md); a refused one is answered.
  if (replies.length === 0 && isPushWithoutRef(String(event.body))) {
    seen.add('ok');
  } else {
    expect(replies, `replies to ${String(event.body).slice(0, 200)}`).toHaveLength(1);
    const [reply] = replies as [Parsed];
    expect(['ok', 'error']).toContain(reply.payload.status);
    seen.add(reply.payload.status === 'ok' ? 'ok' : String(reply.payload.response?.reason));
    if (reply.payload.status === 'error') {
      expect(CLIENT_REASONS.has(String(reply.payload.response?.reason)), `reason ${String(reply.payload.response?.reason)}`).toBe(true);
      expect(typeof reply.payload.response?.message).toBe('string');
    }
  }
  expect(h.logger.entries.filter((entry) => entry.level === 'error').slice(errorsBefore)).toEqual([]);
  expect(h.sender.framesFor(neighbour)).toEqual([]);
}

/** The route API Gateway would pick, as it would pick it. */
const routed = (body: string) => withinContract(h.invoke, messageEvent(attacker, body));

// Inputs --------------------------------------------------------------------------------

// Each field is mostly valid and sometimes anything, so frames get past the codec into the
// use cases as often as they are stopped by it.
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: other, weight: 1 });
const topicLike = mostly(
  fc.constantFrom('room:a', 'room:b', 'user:fuzz', 'user:fuzz:inbox', 'user:alice', 'user:alice:x', 'admin:panel', 'phoenix', 'user:', 'user::x'),
  fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ minLength: 250, maxLength: 260 }), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
).filter((topic) => topic !== NEIGHBOUR_TOPIC);
const eventLike = mostly(
  fc.constantFrom('shout', 'phx_join', 'phx_leave', 'phx_reply', 'presence_diff', 'presence_state', 'heartbeat', ''),
  fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer(), fc.constant(null)),
);
const refLike = mostly(
  fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ minLength: 250, maxLength: 300 }), fc.object({ maxDepth: 1 })),
);
const pollutingKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'action', 'topic');
const payloadLike = mostly(
  fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), fc.record({ meta: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })) })),
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(pollutingKey, fc.jsonValue({ maxDepth: 2 })),
    fc.record({ meta: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(pollutingKey, fc.string()), fc.string({ minLength: 1000, maxLength: 1100 })) }),
    fc.string({ minLength: 32_700, maxLength: 33_000 }),
  ),
);
const nativeFrame = fc
  .record(
    {
      action: mostly(fc.constantFrom('join', 'leave', 'push', 'ping'), fc.oneof(fc.constantFrom('$connect', '$disconnect', '$default', '__proto__', 'JOIN'), fc.string({ maxLength: 10 }), fc.integer())),
      topic: topicLike,
      event: eventLike,
      payload: payloadLike,
      ref: refLike,
      self: mostly(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: ['action', 'topic', 'event', 'payload'] },
  )
  .map((frame) => JSON.stringify(frame));
const phoenixFrame = fc
  .oneof(
    fc.tuple(refLike, refLike, topicLike, eventLike, payloadLike),
    fc.array(fc.oneof(refLike, topicLike, eventLike), { maxLength: 7 }),
  )
  .map((frame) => JSON.stringify(frame));
const pollutingFrame = fc
  .tuple(fc.dictionary(pollutingKey, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(pollutingKey, fc.jsonValue({ maxDepth: 1 })))), fc.constantFrom('join', 'push', 'leave', 'nope'))
  .map(([extra, action]) => JSON.stringify({ ...extra, action, topic: 'room:a', event: 'shout', payload: extra }));
const deepFrame = fc
  .tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom(['[', ']'], ['{"a":', '}']), fc.boolean())
  .map(([depth, [open, close], inPayload]) => {
    const nested = open!.repeat(depth) + '1' + close!.repeat(depth);
    return inPayload ? `{"action":"push","topic":"room:a","event":"e","payload":${nested}}` : nested;
  });

describe('handlers (property-based, real handlers on a real table)', () => {
  it('answer arbitrary strings (any UTF-16, lone surrogates included) on the route API Gateway picks', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), routed), RUNS);
  });

  it('answer arbitrary JSON texts', async () => {
    await fc.assert(fc.asyncProperty(fc.json({ maxDepth: 6 }), routed), RUNS);
  });

  it('answer near-valid native frames: every action, topic, event, payload and ref shape', async () => {
    seen.clear();
    // Examples run first (fast-check's `examples`), so each outcome is reached on every run;
    // the random frames then explore around them.
    const examples: [string][] = [
      [JSON.stringify({ action: 'join', topic: 'room:a', ref: '1' })],
      [JSON.stringify({ action: 'push', topic: 'room:a', event: 'phx_reply', ref: '2' })],
      [JSON.stringify({ action: 'push', topic: 'room:a', event: 'shout', payload: 'x'.repeat(33_000) })],
      [JSON.stringify({ action: 'push', topic: 'room:zzz', event: 'shout' })],
      [JSON.stringify({ action: 'join', topic: 'user:alice' })],
    ];
    await fc.assert(fc.asyncProperty(nativeFrame, routed), { numRuns: 400, examples });
    // The generator is near enough to valid to get past the codec into join and push.
    for (const outcome of ['ok', 'invalid_frame', 'unknown_action', 'invalid_topic', 'invalid_event', 'reserved_event', 'not_joined', 'unauthorized', 'payload_too_large']) {
      expect(seen, outcome).toContain(outcome);
    }
  });

  it('answer Phoenix V2 arrays of any shape and type', async () => {
    await fc.assert(fc.asyncProperty(phoenixFrame, routed), { numRuns: 300 });
  });

  it('answer frames built to pollute prototypes, and leave Object.prototype alone', async () => {
    await fc.assert(fc.asyncProperty(pollutingFrame, routed), RUNS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('action');
  });

  it('answer deep nesting, up to 2000 levels, as a frame or inside a payload', async () => {
    await fc.assert(fc.asyncProperty(deepFrame, routed), { numRuns: 100 });
  });

  it('answer arbitrary binary frames (base64-encoded events)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (bytes) =>
        withinContract(h.invoke, { ...messageEvent(attacker, Buffer.from(bytes).toString('base64'), '$default'), isBase64Encoded: true }),
      ),
      RUNS,
    );
  });

  it('answer any frame on any message route, even one API Gateway would not send there', async () => {
    const handlers: Record<string, GatewayHandler> = { join: h.handlers.join, leave: h.handlers.leave, push: h.handlers.push, ping: h.handlers.ping, $default: h.handlers.default };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(handlers)), fc.oneof(nativeFrame, phoenixFrame, fc.string({ unit: 'binary', maxLength: 200 })), (route, body) =>
        withinContract(handlers[route] as GatewayHandler, messageEvent(attacker, body, route)),
      ),
      { numRuns: 300 },
    );
  });

  it('kept both connections registered, the neighbour in its topic and nothing sent to it', async () => {
    // Act
    const attackerState = await h.deps.store.getConnectionState(attacker);
    const neighbourState = await h.deps.store.getConnectionState(neighbour);

    // Assess
    expect(attackerState.connection?.identity?.sub).toBe('fuzz');
    expect(neighbourState.topics).toEqual([NEIGHBOUR_TOPIC]);
    expect(h.sender.framesFor(neighbour)).toEqual([]);
    expect(routeKeyFor('{"action":"join"}')).toBe('join');
  });
});
