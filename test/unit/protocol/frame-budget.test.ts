/**
 * The default payload limit leaves room for the envelope, so that the largest push a
 * client may make still fits in one API Gateway frame (32 KB; a larger frame closes the
 * socket with 1009). Worst cases: the longest topic and event in 3-byte UTF-8 characters,
 * refs of control characters (each escaped to 6 bytes), in both wire formats.
 */
import { describe, expect, it } from 'vitest';
import { API_GATEWAY_LIMITS, ENVELOPE_RESERVE_BYTES } from '../../../lambdas/core/api-gateway-limits.js';
import { DEFAULT_LIMITS } from '../../../lambdas/core/config.js';
import { decodeFrame } from '../../../lambdas/core/protocol/codec.js';
import { jsonByteLength } from '../../../lambdas/core/protocol/safe-json.js';
import { MAX_EVENT_LENGTH, MAX_TOPIC_LENGTH } from '../../../lambdas/core/topics.js';

const MAX_REF_LENGTH = 255;
const topic = `room:${'€'.repeat(MAX_TOPIC_LENGTH - 5)}`;
const event = '€'.repeat(MAX_EVENT_LENGTH);
const ref = '\u0001'.repeat(MAX_REF_LENGTH);

/** A payload whose compact JSON is exactly `bytes` bytes. */
function payloadOf(bytes: number): { d: string } {
  const payload = { d: 'x'.repeat(bytes - jsonByteLength({ d: '' })) };
  expect(jsonByteLength(payload)).toBe(bytes);
  return payload;
}

describe('frame budget', () => {
  const payload = payloadOf(DEFAULT_LIMITS.maxPayloadBytes);
  const frames = {
    native: JSON.stringify({ action: 'push', topic, event, payload, ref, self: false }),
    'Phoenix V2': JSON.stringify([ref, ref, topic, event, payload]),
  };

  it.each(Object.entries(frames))('a maximal %s push fits in one 32 KB frame and is accepted', (_format, frame) => {
    // Assess
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.frameBytes);
    const decoded = decodeFrame(frame, DEFAULT_LIMITS);
    expect(decoded.ok).toBe(true);
  });

  it('the envelope reserve covers the worst envelope with room to spare, and no more than it needs', () => {
    const envelopes = Object.values(frames).map((frame) => Buffer.byteLength(frame) - DEFAULT_LIMITS.maxPayloadBytes);
    expect(Math.max(...envelopes)).toBeLessThanOrEqual(ENVELOPE_RESERVE_BYTES);
    expect(Math.max(...envelopes)).toBeGreaterThan(ENVELOPE_RESERVE_BYTES / 2);
    expect(DEFAULT_LIMITS.maxPayloadBytes).toBe(API_GATEWAY_LIMITS.frameBytes - ENVELOPE_RESERVE_BYTES);
  });

  it('one byte more of payload is refused as payload_too_large, not by closing the socket', () => {
    const frame = JSON.stringify({ action: 'push', topic: 'room:a', event: 'e', payload: payloadOf(DEFAULT_LIMITS.maxPayloadBytes + 1) });
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(API_GATEWAY_LIMITS.frameBytes);
    const decoded = decodeFrame(frame, DEFAULT_LIMITS);
    expect(decoded.ok ? 'ok' : decoded.error.reason).toBe('payload_too_large');
  });
});
