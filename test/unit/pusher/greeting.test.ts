import { describe, expect, it } from 'vitest';
import { greetingFrames } from '../../../lambdas/core/pusher/greeting.js';
import { PUSHER_ACTIVITY_TIMEOUT_SECONDS } from '../../../lambdas/core/pusher/protocol.js';
import { socketIdOf } from '../../../lambdas/core/pusher/socket-id.js';

const parse = (frames: string[]) => frames.map((frame) => { const { event, data } = JSON.parse(frame) as { event: string; data: string }; return { event, data: JSON.parse(data) as unknown }; });

describe('a Pusher connection\'s first frame', () => {
  it('is connection_established with the socket_id and activity timeout for protocols 5 to 7', () => {
    for (const protocol of ['5', '6', '7']) {
      expect(parse(greetingFrames('abc=', protocol))).toEqual([{ event: 'pusher:connection_established', data: { socket_id: socketIdOf('abc='), activity_timeout: PUSHER_ACTIVITY_TIMEOUT_SECONDS } }]);
    }
  });

  it('is pusher:error with Pusher\'s code for a missing, malformed or unsupported protocol', () => {
    expect(parse(greetingFrames('a', ''))[0]).toMatchObject({ event: 'pusher:error', data: { code: 4008 } });
    expect(parse(greetingFrames('a', 'seven'))[0]).toMatchObject({ event: 'pusher:error', data: { code: 4006 } });
    expect(parse(greetingFrames('a', '4'))[0]).toMatchObject({ event: 'pusher:error', data: { code: 4007 } });
    expect(parse(greetingFrames('a', '8'))[0]).toMatchObject({ event: 'pusher:error', data: { code: 4007 } });
  });

  it('keeps pings inside API Gateway\'s 10-minute idle timeout, with pusher-js\'s 30 s pong wait', () => {
    expect(PUSHER_ACTIVITY_TIMEOUT_SECONDS + 30).toBeLessThan(600);
  });
});
