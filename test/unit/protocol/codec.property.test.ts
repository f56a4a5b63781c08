import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_LIMITS } from '../../../lambdas/core/config.js';
import { decodeFrame, encodeFrames, encodeMessage, type DecodeResult } from '../../../lambdas/core/protocol/codec.js';
import { ACTIONS, CHANNEL_EVENTS, PUSHER_REASONS, REASONS } from '../../../lambdas/core/protocol/constants.js';
import { errorReply, okReply } from '../../../lambdas/core/protocol/messages.js';

const RUNS = { numRuns: 1000 };
const KNOWN_REASONS = new Set<string>([...Object.values(REASONS), ...Object.values(PUSHER_REASONS)]);
const limits = DEFAULT_LIMITS;

/** Decodes and checks the codec's contract: never throws, ok with a command or a known reason. */
function decodesWithinContract(frame: string): DecodeResult {
  const result = decodeFrame(frame, limits);
  if (result.ok) {
    expect(['join', 'leave', 'push', 'heartbeat']).toContain(result.command.kind);
  } else {
    expect(KNOWN_REASONS.has(result.error.reason)).toBe(true);
    expect(typeof result.error.message).toBe('string');
  }
  return result;
}

/** Both replies a decoded frame can get must be valid JSON in its own format. */
function repliesAreJson(result: DecodeResult): void {
  const context = result.ok ? result.command : result.context;
  const reply = result.ok ? okReply(context) : errorReply(context, result.error.reason, result.error.message);
  if (context.format === 'pusher') {
    // A Pusher client gets Pusher frames (or none, for replies Pusher never sends), each valid JSON.
    for (const frame of encodeFrames(reply, 'pusher')) expect(JSON.parse(frame)).toHaveProperty('event');
    return;
  }
  const encoded = encodeMessage(reply, context.format);
  const parsed: unknown = JSON.parse(encoded);
  if (context.format === 'phoenix') {
    expect(parsed).toEqual([context.joinRef, context.ref, context.topic, CHANNEL_EVENTS.reply, reply.payload]);
  } else {
    expect(parsed).toEqual({ topic: context.topic, event: CHANNEL_EVENTS.reply, ref: context.ref, payload: reply.payload });
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function withoutForbiddenKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutForbiddenKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(([key]) => !FORBIDDEN_KEYS.has(key));
  return Object.fromEntries(entries.map(([key, nested]) => [key, withoutForbiddenKeys(nested)]));
}

const anyValue = fc.anything({ withNullPrototype: false, withBoxedValues: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false });
const topicLike = fc.oneof(fc.constantFrom('room:lobby', 'phoenix', 'user:alice', ''), fc.string(), fc.string({ unit: 'grapheme-composite' }), fc.integer(), fc.constant(null));
const eventLike = fc.oneof(fc.constantFrom('shout', 'phx_join', 'phx_leave', 'heartbeat', 'presence_diff', ''), fc.string(), fc.integer());
const refLike = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.string({ minLength: 250, maxLength: 300 }));

describe('codec (property-based)', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (frame) => {
        repliesAreJson(decodesWithinContract(frame));
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (frame) => {
        repliesAreJson(decodesWithinContract(frame));
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        repliesAreJson(decodesWithinContract(JSON.stringify(value)));
      }),
      RUNS,
    );
  });

  it('never throws on arrays of length 5 with anything inside', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.oneof(refLike, anyValue), fc.oneof(refLike, anyValue), fc.oneof(topicLike, anyValue), fc.oneof(eventLike, anyValue), fc.oneof(fc.jsonValue(), anyValue)),
        (frame) => {
          const text = JSON.stringify(frame);
          const result = decodesWithinContract(text);
          repliesAreJson(result);
          // A V2 array is always answered in the Phoenix format.
          expect(result.ok ? result.command.format : result.context.format).toBe('phoenix');
        },
      ),
      RUNS,
    );
  });

  it('never throws on objects with an action field', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            action: fc.oneof(fc.constantFrom(...ACTIONS), fc.string(), anyValue),
            topic: topicLike,
            event: eventLike,
            ref: refLike,
            self: fc.oneof(fc.boolean(), anyValue),
            payload: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), anyValue),
          },
          { requiredKeys: ['action'] },
        ),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        (frame, extra) => {
          const result = decodesWithinContract(JSON.stringify({ ...extra, ...frame }));
          repliesAreJson(result);
          if (result.ok) expect(result.command.format).toBe('native');
        },
      ),
      RUNS,
    );
  });

  it('decodes every well-formed native push into the same topic, event and payload', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 255 }).filter((t) => !/[\u0000-\u001f\u007f-\u009f]/.test(t)),
        fc.string({ minLength: 1, maxLength: 64 }).filter((e) => !/[\u0000-\u001f\u007f-\u009f]/.test(e) && !e.startsWith('phx_') && !e.startsWith('presence_')),
        fc.jsonValue({ maxDepth: 5 }),
        (topic, event, payload) => {
          const result = decodeFrame(JSON.stringify({ action: 'push', topic, event, payload }), limits);
          expect(result.ok).toBe(true);
          if (result.ok && result.command.kind === 'push') {
            expect(result.command.topic).toBe(topic);
            expect(result.command.event).toBe(event);
            // Keys that enable prototype pollution are dropped by design (safe-json.ts).
            expect(JSON.stringify(result.command.payload)).toBe(JSON.stringify(withoutForbiddenKeys(JSON.parse(JSON.stringify(payload)))));
          }
        },
      ),
      RUNS,
    );
  });
});
