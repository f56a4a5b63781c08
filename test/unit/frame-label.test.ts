/** What the request log and the dashboard say a frame was: the route key alone is `$default` for every phoenix frame. */
import { describe, expect, it } from 'vitest';
import { frameLabel } from '../../local-gateway/frame-label.js';

const LIMITS = { maxJsonDepth: 32, maxPayloadBytes: 32_768 };

describe('frameLabel', () => {
  it.each([
    ['["1","1","room:lobby","phx_join",{}]', 'phoenix join room:lobby'],
    ['["1","2","room:lobby","shout",{"body":"hi"}]', 'phoenix push room:lobby shout'],
    ['["1","3","room:lobby","phx_leave",{}]', 'phoenix leave room:lobby'],
    ['[null,"4","phoenix","heartbeat",{}]', 'phoenix heartbeat'],
    ['{"action":"join","topic":"room:lobby","ref":"1"}', 'join room:lobby'],
    ['{"action":"push","topic":"room:lobby","event":"shout","ref":"2"}', 'push room:lobby shout'],
    ['{"action":"ping"}', 'heartbeat'],
    ['not json', 'refused: invalid_frame'],
    ['{"action":"dance"}', 'refused: unknown_action'],
  ])('%s -> %s', (body, label) => {
    expect(frameLabel(body, LIMITS)).toBe(label);
  });
});
