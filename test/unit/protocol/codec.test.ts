import { describe, it, expect } from 'vitest';
import { DEFAULT_LIMITS } from '../../../lambdas/core/config.js';
import { decodeFrame, encodeMessage, type DecodeResult } from '../../../lambdas/core/protocol/codec.js';
import { isReservedEvent } from '../../../lambdas/core/topics.js';
import { REASONS, type Reason } from '../../../lambdas/core/protocol/constants.js';
import { errorReply, okReply, type Command, type ReplyContext } from '../../../lambdas/core/protocol/messages.js';

const limits = DEFAULT_LIMITS;
const decode = (frame: unknown): DecodeResult => decodeFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), limits);

function commandOf(result: DecodeResult): Command {
  if (!result.ok) throw new Error(`expected a command, got ${result.error.reason}: ${result.error.message}`);
  return result.command;
}

function failureOf(result: DecodeResult): { reason: Reason; context: ReplyContext } {
  if (result.ok) throw new Error(`expected an error, got a ${result.command.kind} command`);
  return { reason: result.error.reason, context: result.context };
}

describe('codec', () => {
  describe('native frames', () => {
    it('decodes a join with its payload and ref', () => {
      // Act
      const command = commandOf(decode({ action: 'join', topic: 'room:lobby', payload: { meta: { name: 'ada' } }, ref: '1' }));

      // Assess
      expect(command).toEqual({
        kind: 'join',
        format: 'native',
        topic: 'room:lobby',
        ref: '1',
        joinRef: null,
        payload: { meta: { name: 'ada' } },
      });
    });

    it('decodes a leave', () => {
      // Act
      const command = commandOf(decode({ action: 'leave', topic: 'room:lobby', ref: '2' }));

      // Assess
      expect(command).toEqual({ kind: 'leave', format: 'native', topic: 'room:lobby', ref: '2', joinRef: null });
    });

    it('decodes a push that includes the sender by default', () => {
      // Act
      const command = commandOf(decode({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { body: 'hi' }, ref: '3' }));

      // Assess
      expect(command).toEqual({
        kind: 'push',
        format: 'native',
        topic: 'room:lobby',
        event: 'shout',
        payload: { body: 'hi' },
        self: true,
        ref: '3',
        joinRef: null,
      });
    });

    it('decodes a push with self false', () => {
      // Act
      const command = commandOf(decode({ action: 'push', topic: 'room:lobby', event: 'shout', self: false }));

      // Assess
      expect(command).toMatchObject({ kind: 'push', self: false });
    });

    it('decodes a ping as a heartbeat without needing a topic', () => {
      // Act
      const command = commandOf(decode({ action: 'ping', ref: '4' }));

      // Assess
      expect(command).toEqual({ kind: 'heartbeat', format: 'native', topic: null, ref: '4', joinRef: null });
    });

    it.each([
      ['a string ref', '7', '7'],
      ['a number ref', 7, '7'],
      ['a fractional number ref', 1.5, '1.5'],
      ['a null ref', null, null],
      ['no ref', undefined, null],
    ])('echoes %s as a string', (_name, ref, expected) => {
      // Act
      const command = commandOf(decode({ action: 'leave', topic: 'room:lobby', ref }));

      // Assess
      expect(command.ref).toBe(expected);
    });

    it('defaults a missing payload to an empty object', () => {
      // Act
      const join = commandOf(decode({ action: 'join', topic: 'room:lobby' }));
      const push = commandOf(decode({ action: 'push', topic: 'room:lobby', event: 'shout' }));

      // Assess
      expect(join).toMatchObject({ kind: 'join', payload: {} });
      expect(push).toMatchObject({ kind: 'push', payload: {} });
    });

    it('accepts any JSON value as a push payload', () => {
      // Act
      const results = [[1, 2], 'text', 42, null, true].map((payload) => commandOf(decode({ action: 'push', topic: 't', event: 'e', payload })));

      // Assess
      expect(results.map((command) => (command.kind === 'push' ? command.payload : undefined))).toEqual([[1, 2], 'text', 42, null, true]);
    });
  });

  describe('errors', () => {
    it.each([
      ['not JSON', '{"action":'],
      ['an empty frame', ''],
      ['a JSON string', '"join"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['a frame without action', JSON.stringify({ topic: 'room:lobby' })],
      ['a non-string action', JSON.stringify({ action: 1, topic: 'room:lobby' })],
      ['an object ref', JSON.stringify({ action: 'join', topic: 'room:lobby', ref: { a: 1 } })],
      ['a boolean ref', JSON.stringify({ action: 'join', topic: 'room:lobby', ref: true })],
      ['a ref longer than 255 characters', JSON.stringify({ action: 'join', topic: 'room:lobby', ref: 'r'.repeat(256) })],
      ['a join payload that is an array', JSON.stringify({ action: 'join', topic: 'room:lobby', payload: [1] })],
      ['a join payload that is a string', JSON.stringify({ action: 'join', topic: 'room:lobby', payload: 'x' })],
      ['a non-boolean self', JSON.stringify({ action: 'push', topic: 'room:lobby', event: 'e', self: 'no' })],
      ['a V2 array with four elements', JSON.stringify(['1', '1', 'room:lobby', 'phx_join'])],
      ['a V2 array with six elements', JSON.stringify(['1', '1', 'room:lobby', 'phx_join', {}, 'extra'])],
      ['an empty array', '[]'],
      ['a V2 join with a string payload', JSON.stringify(['1', '1', 'room:lobby', 'phx_join', 'x'])],
      ['a V2 frame with an object join_ref', JSON.stringify([{}, '1', 'room:lobby', 'phx_join', {}])],
    ])('refuses %s as invalid_frame', (_name, frame) => {
      // Act
      const { reason } = failureOf(decodeFrame(frame, limits));

      // Assess
      expect(reason).toBe(REASONS.invalidFrame);
    });

    it.each([null, undefined])('refuses a %s body as invalid_frame', (body) => {
      // Act
      const { reason, context } = failureOf(decodeFrame(body, limits));

      // Assess
      expect(reason).toBe(REASONS.invalidFrame);
      expect(context).toMatchObject({ topic: null, ref: null });
    });

    it('answers an unparseable frame with topic and ref null', () => {
      // Act
      const { context } = failureOf(decodeFrame('{"action":"join","topic":"room:lobby","ref":"1"', limits));

      // Assess
      expect(context).toEqual({ format: 'native', topic: null, ref: null, joinRef: null });
    });

    it('answers an unparseable V2-looking frame in the Phoenix format', () => {
      // Act
      const { context } = failureOf(decodeFrame('["1","1","room:lobby",', limits));

      // Assess
      expect(context).toEqual({ format: 'phoenix', topic: null, ref: null, joinRef: null });
    });

    it('refuses an unknown action, keeping topic and ref for the reply', () => {
      // Act
      const { reason, context } = failureOf(decode({ action: 'subscribe', topic: 'room:lobby', ref: '9' }));

      // Assess
      expect(reason).toBe(REASONS.unknownAction);
      expect(context).toMatchObject({ topic: 'room:lobby', ref: '9' });
    });

    it.each([
      ['an empty topic', ''],
      ['a topic of 256 characters', 't'.repeat(256)],
      ['a topic with a newline', 'room:\nlobby'],
      ['a topic with NUL', 'room:\u0000'],
      ['a topic with a C1 control character', 'room:\u0085'],
      ['a topic with DEL', 'room:\u007f'],
      ['a numeric topic', 42],
      ['a null topic', null],
      ['an object topic', { name: 'room' }],
      ['a missing topic', undefined],
    ])('refuses %s as invalid_topic', (_name, topic) => {
      // Act
      const results = [
        decode({ action: 'join', topic, ref: '1' }),
        decode({ action: 'leave', topic, ref: '1' }),
        decode({ action: 'push', topic, event: 'e', ref: '1' }),
      ];

      // Assess
      for (const result of results) {
        const { reason, context } = failureOf(result);
        expect(reason).toBe(REASONS.invalidTopic);
        expect(context.topic).toBeNull();
      }
    });

    // DESIGN.md: `ref` is echoed in the reply, so a client can match an error to its request.
    it.each([
      ['invalid_topic', { action: 'join', topic: '', ref: '11' }, REASONS.invalidTopic],
      ['invalid_event', { action: 'push', topic: 'room:lobby', event: '', ref: '11' }, REASONS.invalidEvent],
      ['reserved_event', { action: 'push', topic: 'room:lobby', event: 'phx_reply', ref: '11' }, REASONS.reservedEvent],
      ['payload_too_large', { action: 'push', topic: 'room:lobby', event: 'e', payload: 'x'.repeat(40_000), ref: '11' }, REASONS.payloadTooLarge],
      ['invalid_frame (join payload)', { action: 'join', topic: 'room:lobby', payload: [], ref: '11' }, REASONS.invalidFrame],
      ['invalid_frame (self)', { action: 'push', topic: 'room:lobby', event: 'e', self: 1, ref: '11' }, REASONS.invalidFrame],
    ])('echoes the ref of a native frame refused as %s', (_name, frame, expectedReason) => {
      // Act
      const { reason, context } = failureOf(decode(frame));

      // Assess
      expect(reason).toBe(expectedReason);
      expect(context.ref).toBe('11');
    });

    it('echoes the ref of a native frame refused as unknown_action', () => {
      // Act
      const { context } = failureOf(decode({ action: 'nope', topic: 'room:lobby', ref: 12 }));

      // Assess
      expect(context.ref).toBe('12');
    });

    it('accepts a topic of exactly 255 characters', () => {
      // Act
      const command = commandOf(decode({ action: 'join', topic: 't'.repeat(255) }));

      // Assess
      expect(command.topic).toHaveLength(255);
    });

    it.each([
      ['an empty event', ''],
      ['an event of 65 characters', 'e'.repeat(65)],
      ['a numeric event', 1],
      ['a missing event', undefined],
      ['an event with a tab', 'sh\tout'],
      ['an event with an escape character', '\u001b[31mred'],
    ])('refuses %s as invalid_event', (_name, event) => {
      // Act
      const { reason, context } = failureOf(decode({ action: 'push', topic: 'room:lobby', event, ref: '5' }));

      // Assess
      expect(reason).toBe(REASONS.invalidEvent);
      expect(context.topic).toBe('room:lobby');
    });

    it('accepts an event of exactly 64 characters', () => {
      // Act
      const command = commandOf(decode({ action: 'push', topic: 'room:lobby', event: 'e'.repeat(64) }));

      // Assess
      expect(command).toMatchObject({ kind: 'push', event: 'e'.repeat(64) });
    });

    it.each(['phx_reply', 'phx_join', 'phx_close', 'presence_diff', 'presence_state', 'presence_anything'])('refuses pushing the server event %s as reserved_event', (event) => {
      // Act
      const native = failureOf(decode({ action: 'push', topic: 'room:lobby', event }));
      const phoenix = event === 'phx_join' ? null : failureOf(decode(['1', '2', 'room:lobby', event, {}]));

      // Assess
      expect(native.reason).toBe(REASONS.reservedEvent);
      if (phoenix) expect(phoenix.reason).toBe(REASONS.reservedEvent);
    });

    it('does not treat events that merely contain a reserved word as reserved', () => {
      // Act
      const command = commandOf(decode({ action: 'push', topic: 'room:lobby', event: 'my_phx_presence_event' }));

      // Assess
      expect(command).toMatchObject({ kind: 'push', event: 'my_phx_presence_event' });
      expect(isReservedEvent('my_phx_event')).toBe(false);
      expect(isReservedEvent('phx_x')).toBe(true);
    });

    it('refuses a push payload over maxPayloadBytes and accepts one at the limit', () => {
      // Prepare
      const small = { maxJsonDepth: 32, maxPayloadBytes: 20 };
      const atLimit = 'x'.repeat(18); // JSON "xxx…" is 20 bytes
      const overLimit = 'x'.repeat(19);

      // Act
      const accepted = decodeFrame(JSON.stringify({ action: 'push', topic: 't', event: 'e', payload: atLimit }), small);
      const refused = decodeFrame(JSON.stringify({ action: 'push', topic: 't', event: 'e', payload: overLimit, ref: '8' }), small);

      // Assess
      expect(accepted.ok).toBe(true);
      const { reason, context } = failureOf(refused);
      expect(reason).toBe(REASONS.payloadTooLarge);
      expect(context.topic).toBe('t');
    });

    it('counts payload size in UTF-8 bytes, not characters', () => {
      // Prepare
      const small = { maxJsonDepth: 32, maxPayloadBytes: 20 };
      const payload = { t: 'é'.repeat(6) }; // {"t":"éééééé"} is 14 characters but 20 bytes

      // Act
      const atLimit = decodeFrame(JSON.stringify({ action: 'join', topic: 't', payload }), small);
      const overLimit = decodeFrame(JSON.stringify({ action: 'join', topic: 't', payload: { t: 'é'.repeat(7) } }), small);

      // Assess
      expect(atLimit.ok).toBe(true);
      expect(failureOf(overLimit).reason).toBe(REASONS.payloadTooLarge);
    });

    it('refuses join and Phoenix payloads over the limit too', () => {
      // Prepare
      const payload = { blob: 'x'.repeat(limits.maxPayloadBytes) };

      // Act
      const join = failureOf(decode({ action: 'join', topic: 'room:lobby', payload }));
      const phoenixPush = failureOf(decode([null, '1', 'room:lobby', 'shout', payload]));

      // Assess
      expect(join.reason).toBe(REASONS.payloadTooLarge);
      expect(phoenixPush.reason).toBe(REASONS.payloadTooLarge);
    });

    it('refuses nesting deeper than maxJsonDepth before parsing it', () => {
      // Prepare
      const depth = limits.maxJsonDepth;
      const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
      // The frame object itself is one level; the payload adds the rest.
      const atLimit = `{"action":"push","topic":"t","event":"e","payload":${nested(depth - 1)}}`;
      const overLimit = `{"action":"push","topic":"t","event":"e","payload":${nested(depth)}}`;
      const huge = `{"action":"push","topic":"t","event":"e","payload":${nested(100_000)}}`;

      // Act
      const accepted = decodeFrame(atLimit, limits);
      const refused = decodeFrame(overLimit, limits);
      const refusedHuge = decodeFrame(huge, limits);

      // Assess
      expect(accepted.ok).toBe(true);
      expect(failureOf(refused).reason).toBe(REASONS.invalidFrame);
      expect(failureOf(refusedHuge).reason).toBe(REASONS.invalidFrame);
    });

    it('does not count brackets inside strings as nesting', () => {
      // Prepare
      const payload = { text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{ \\" [[[[' };

      // Act
      const result = decode({ action: 'push', topic: 't', event: 'e', payload });

      // Assess
      expect(commandOf(result)).toMatchObject({ payload });
    });
  });

  describe('prototype pollution', () => {
    it('strips __proto__ keys so decoding cannot pollute Object.prototype', () => {
      // Prepare
      const frame = '{"action":"push","topic":"t","event":"e","payload":{"__proto__":{"polluted":1},"safe":true}}';

      // Act
      const command = commandOf(decodeFrame(frame, limits));
      const payload = command.kind === 'push' ? (command.payload as Record<string, unknown>) : {};
      const merged: Record<string, unknown> = Object.assign({}, payload);

      // Assess
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.hasOwn(payload, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
      expect(merged.polluted).toBeUndefined();
      expect(payload).toEqual({ safe: true });
    });

    it('strips nested __proto__ keys in join metas and Phoenix frames', () => {
      // Prepare
      const native = '{"action":"join","topic":"t","payload":{"meta":{"a":{"__proto__":{"isAdmin":true}}}}}';
      const phoenix = '["1","1","t","phx_join",{"__proto__":{"isAdmin":true}}]';

      // Act
      const nativeJoin = commandOf(decodeFrame(native, limits));
      const phoenixJoin = commandOf(decodeFrame(phoenix, limits));

      // Assess
      expect(nativeJoin).toMatchObject({ kind: 'join', payload: { meta: { a: {} } } });
      expect(Object.hasOwn((nativeJoin as { payload: { meta: { a: object } } }).payload.meta.a, '__proto__')).toBe(false);
      expect(phoenixJoin).toMatchObject({ kind: 'join', payload: {} });
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  });

  describe('Phoenix V2 frames', () => {
    it('decodes phx_join with join_ref and ref', () => {
      // Act
      const command = commandOf(decode(['3', '3', 'room:lobby', 'phx_join', { meta: { name: 'ada' } }]));

      // Assess
      expect(command).toEqual({
        kind: 'join',
        format: 'phoenix',
        topic: 'room:lobby',
        joinRef: '3',
        ref: '3',
        payload: { meta: { name: 'ada' } },
      });
    });

    it('decodes phx_join with a null payload as an empty payload', () => {
      // Act
      const command = commandOf(decode(['1', '1', 'room:lobby', 'phx_join', null]));

      // Assess
      expect(command).toMatchObject({ kind: 'join', payload: {} });
    });

    it('decodes phx_leave as a leave', () => {
      // Act
      const command = commandOf(decode(['3', '4', 'room:lobby', 'phx_leave', {}]));

      // Assess
      expect(command).toEqual({ kind: 'leave', format: 'phoenix', topic: 'room:lobby', joinRef: '3', ref: '4' });
    });

    it('decodes a heartbeat on the phoenix topic', () => {
      // Act
      const command = commandOf(decode([null, '5', 'phoenix', 'heartbeat', {}]));

      // Assess
      expect(command).toEqual({ kind: 'heartbeat', format: 'phoenix', topic: 'phoenix', joinRef: null, ref: '5' });
    });

    it('decodes any other event as a push that includes the sender', () => {
      // Act
      const command = commandOf(decode(['3', '6', 'room:lobby', 'shout', { body: 'hi' }]));

      // Assess
      expect(command).toEqual({
        kind: 'push',
        format: 'phoenix',
        topic: 'room:lobby',
        event: 'shout',
        payload: { body: 'hi' },
        self: true,
        joinRef: '3',
        ref: '6',
      });
    });

    it('answers a bad Phoenix frame in the Phoenix format with its refs', () => {
      // Act
      const { reason, context } = failureOf(decode(['3', '7', 'room:lobby', '', {}]));

      // Assess
      expect(reason).toBe(REASONS.invalidEvent);
      expect(context).toEqual({ format: 'phoenix', topic: 'room:lobby', joinRef: '3', ref: '7' });
    });

    it('refuses an invalid topic in a Phoenix frame', () => {
      // Act
      const { reason, context } = failureOf(decode(['1', '1', '', 'phx_join', {}]));

      // Assess
      expect(reason).toBe(REASONS.invalidTopic);
      expect(context).toMatchObject({ format: 'phoenix', topic: null, joinRef: '1', ref: '1' });
    });
  });

  describe('encodeMessage', () => {
    const context: ReplyContext = { format: 'native', topic: 'room:lobby', ref: '3', joinRef: '1' };

    it('encodes a native reply with its ref', () => {
      // Act
      const frame = encodeMessage(okReply(context, { id: 1 }), 'native');

      // Assess
      expect(JSON.parse(frame)).toEqual({ topic: 'room:lobby', event: 'phx_reply', ref: '3', payload: { status: 'ok', response: { id: 1 } } });
    });

    it('encodes a native reply to a request without ref with ref null', () => {
      // Act
      const frame = encodeMessage(errorReply({ ...context, topic: null, ref: null }, REASONS.invalidFrame, 'bad'), 'native');

      // Assess
      expect(JSON.parse(frame)).toEqual({
        topic: null,
        event: 'phx_reply',
        ref: null,
        payload: { status: 'error', response: { reason: 'invalid_frame', message: 'bad' } },
      });
    });

    it('encodes a native broadcast without ref', () => {
      // Act
      const frame = encodeMessage({ topic: 'room:lobby', event: 'shout', payload: { body: 'hi' }, ref: null, joinRef: null }, 'native');

      // Assess
      const decoded = JSON.parse(frame) as Record<string, unknown>;
      expect(decoded).toEqual({ topic: 'room:lobby', event: 'shout', payload: { body: 'hi' } });
      expect(Object.hasOwn(decoded, 'ref')).toBe(false);
    });

    it('encodes Phoenix replies and broadcasts as V2 arrays', () => {
      // Act
      const reply = encodeMessage(okReply(context), 'phoenix');
      const broadcast = encodeMessage({ topic: 'room:lobby', event: 'shout', payload: { body: 'hi' }, ref: null, joinRef: null }, 'phoenix');

      // Assess
      expect(JSON.parse(reply)).toEqual(['1', '3', 'room:lobby', 'phx_reply', { status: 'ok', response: {} }]);
      expect(JSON.parse(broadcast)).toEqual([null, null, 'room:lobby', 'shout', { body: 'hi' }]);
    });
  });
});
