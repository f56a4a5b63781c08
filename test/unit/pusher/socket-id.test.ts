import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectionIdOfSocketId, socketIdOf } from '../../../lambdas/core/pusher/socket-id.js';

describe('socket_id of a connection id', () => {
  it('is shaped \\d+.\\d+, as the pusher SDK insists, and maps back to the connection id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }), (connectionId) => {
        const socketId = socketIdOf(connectionId);
        expect(socketId).toMatch(/^\d+\.\d+$/);
        expect(connectionIdOfSocketId(socketId)).toBe(connectionId);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps leading zero bytes (the length says how many)', () => {
    expect(connectionIdOfSocketId(socketIdOf('\u0000\u0000A'))).toBe('\u0000\u0000A');
    expect(socketIdOf('L0SM9cOFvHcCIhw=')).toMatch(/^16\.\d+$/);
  });

  it('answers null for socket_ids that are not one of ours', () => {
    for (const socketId of ['', '1', '123.456', '0.0', '2.70000', '01.65', 'a.b', '1.65.1', `1.${'9'.repeat(400)}`, '200.1']) {
      expect(connectionIdOfSocketId(socketId)).toBeNull();
    }
  });
});
