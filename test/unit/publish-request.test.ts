/**
 * Validation of server-side publishes, pure: what is refused with which stable reason,
 * and the 128 KB limit measured on the encoded message in both wire formats.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../lambdas/core/errors.js';
import { MAX_BROADCAST_BYTES, MAX_PUBLISH_BATCH, parseJsonObject, validateBroadcast, validateBroadcasts } from '../../lambdas/core/publish-request.js';

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ProtocolError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('validateBroadcast', () => {
  it('keeps topic, event and payload (default {}) and nothing else', () => {
    expect(validateBroadcast({ topic: 'room:a', event: 'e', extra: 1 })).toEqual({ topic: 'room:a', event: 'e', payload: {} });
    expect(validateBroadcast({ topic: 'room:a', event: 'e', payload: [1, 'two'] }).payload).toEqual([1, 'two']);
  });

  it.each([
    [null, 'invalid_request'],
    [{ event: 'e' }, 'invalid_topic'],
    [{ topic: 'a\u0000b', event: 'e' }, 'invalid_topic'],
    [{ topic: 'room:a', event: 7 }, 'invalid_event'],
    [{ topic: 'room:a', event: 'phx_close' }, 'reserved_event'],
    [{ topic: 'room:a', event: 'e', payload: { n: 1n } }, 'invalid_request'],
  ])('refuses case %# with its reason', (value, reason) => {
    expect(reasonOf(() => validateBroadcast(value))).toBe(reason);
  });

  it('accepts an encoded message of exactly 128 KB and refuses one byte more', () => {
    // The native object is the longer of the two encodings around the payload string.
    const overhead = Math.max(JSON.stringify({ topic: 'room:a', event: 'e', payload: '' }).length, JSON.stringify([null, null, 'room:a', 'e', '']).length);
    const fits = 'x'.repeat(MAX_BROADCAST_BYTES - overhead);
    expect(validateBroadcast({ topic: 'room:a', event: 'e', payload: fits }).payload).toBe(fits);
    expect(reasonOf(() => validateBroadcast({ topic: 'room:a', event: 'e', payload: `${fits}x` }))).toBe('payload_too_large');
    expect(reasonOf(() => validateBroadcast({ topic: 'room:a', event: 'e', payload: 'é'.repeat(70_000) }))).toBe('payload_too_large');
  });
});

describe('validateBroadcasts', () => {
  it('takes 1 to 25 and names the bad message', () => {
    expect(validateBroadcasts(Array.from({ length: MAX_PUBLISH_BATCH }, () => ({ topic: 't', event: 'e' })))).toHaveLength(25);
    expect(reasonOf(() => validateBroadcasts([]))).toBe('invalid_request');
    expect(reasonOf(() => validateBroadcasts(Array.from({ length: 26 }, () => ({ topic: 't', event: 'e' }))))).toBe('too_many_messages');
    expect(() => validateBroadcasts([{ topic: 't', event: 'e' }, { topic: 't', event: '' }])).toThrow(/^messages\[1\]: event must be/);
  });
});

describe('parseJsonObject', () => {
  it('refuses what is not a JSON object, and nesting deeper than the limit', () => {
    expect(parseJsonObject('{"a":1}', { maxJsonDepth: 32 })).toEqual({ a: 1 });
    for (const body of ['', '  ', '[]', '"x"', '{"a":', '{"a":"\\ud800"}']) expect(reasonOf(() => parseJsonObject(body, { maxJsonDepth: 32 })), body).toBe('invalid_request');
    expect(reasonOf(() => parseJsonObject(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, { maxJsonDepth: 32 }))).toBe('invalid_request');
  });
});
