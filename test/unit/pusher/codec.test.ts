import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../lambdas/core/config.js';
import { decodeFrame, encodeFrames } from '../../../lambdas/core/protocol/codec.js';
import { errorReply, okReply, type OutboundMessage } from '../../../lambdas/core/protocol/messages.js';
import { PUSHER_REFS } from '../../../lambdas/core/pusher/codec.js';

const decode = (frame: unknown) => decodeFrame(JSON.stringify(frame), DEFAULT_LIMITS);
const frames = (message: OutboundMessage) => encodeFrames(message, 'pusher').map((frame) => JSON.parse(frame) as { event: string; channel?: string; data: string });
const dataOf = (frame: { data: string }) => JSON.parse(frame.data) as unknown;

describe('Pusher frames decoded into commands', () => {
  it('decodes subscribe (object or string data), unsubscribe and ping', () => {
    expect(decode({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: 'k:s' } })).toMatchObject({
      ok: true,
      command: { kind: 'join', format: 'pusher', topic: 'private-a', ref: PUSHER_REFS.subscribe, pusherAuth: { auth: 'k:s', channelData: null } },
    });
    expect(decode({ event: 'pusher:subscribe', data: JSON.stringify({ channel: 'news' }) })).toMatchObject({ ok: true, command: { kind: 'join', topic: 'news' } });
    expect(decode({ event: 'pusher:unsubscribe', data: { channel: 'news' } })).toMatchObject({ ok: true, command: { kind: 'leave', topic: 'news' } });
    expect(decode({ event: 'pusher:ping', data: {} })).toMatchObject({ ok: true, command: { kind: 'heartbeat', format: 'pusher', ref: PUSHER_REFS.ping } });
  });

  it('decodes client events on private and presence channels as pushes never echoed to the sender', () => {
    expect(decode({ event: 'client-typing', channel: 'presence-room', data: { on: true } })).toMatchObject({
      ok: true,
      command: { kind: 'push', topic: 'presence-room', event: 'client-typing', payload: { on: true }, self: false, ref: null },
    });
  });

  it('refuses with a stable reason: client events on public channels, encrypted channels, sign-in, unknown events, bad data', () => {
    expect(decode({ event: 'client-x', channel: 'news', data: {} })).toMatchObject({ ok: false, error: { reason: 'unauthorized' }, context: { format: 'pusher', topic: 'news' } });
    expect(decode({ event: 'pusher:subscribe', data: { channel: 'private-encrypted-a' } })).toMatchObject({ ok: false, error: { reason: 'unsupported' } });
    expect(decode({ event: 'pusher:signin', data: {} })).toMatchObject({ ok: false, error: { reason: 'unsupported' } });
    expect(decode({ event: 'shout', channel: 'news', data: {} })).toMatchObject({ ok: false, error: { reason: 'invalid_event' } });
    expect(decode({ event: 'pusher:subscribe', data: 7 })).toMatchObject({ ok: false, error: { reason: 'invalid_frame' } });
    expect(decode({ event: 'pusher:subscribe', data: { channel: '' } })).toMatchObject({ ok: false, error: { reason: 'invalid_topic' } });
    expect(decode({ event: 'pusher:subscribe', data: { channel: 'presence-a', channel_data: { user_id: 1 } } })).toMatchObject({ ok: false, error: { reason: 'invalid_frame' } });
    expect(decode({ event: 'client-big', channel: 'private-a', data: 'x'.repeat(DEFAULT_LIMITS.maxPayloadBytes + 1) })).toMatchObject({ ok: false, error: { reason: 'payload_too_large' } });
  });
});

describe('messages encoded as Pusher frames', () => {
  const subscribe = { format: 'pusher' as const, topic: 'private-a', ref: PUSHER_REFS.subscribe, joinRef: null };

  it('turns a broadcast into {event, channel, data} with data as a JSON string', () => {
    const [frame] = frames({ topic: 'news', event: 'shout', payload: { a: 1 }, ref: null, joinRef: null });
    expect(frame).toEqual({ event: 'shout', channel: 'news', data: '{"a":1}' });
    // A string payload is the data itself, as Pusher's HTTP API passes it through.
    expect(frames({ topic: 'news', event: 'shout', payload: 'plain', ref: null, joinRef: null })).toEqual([{ event: 'shout', channel: 'news', data: 'plain' }]);
  });

  it('never lets a broadcast speak as the protocol (a module or server publish of pusher_internal:*)', () => {
    expect(frames({ topic: 'presence-a', event: 'pusher_internal:member_added', payload: { user_id: 'x' }, ref: null, joinRef: null })).toEqual([]);
    expect(frames({ topic: 'news', event: 'pusher:error', payload: {}, ref: null, joinRef: null })).toEqual([]);
  });

  it('answers a subscribe with subscription_succeeded, a ping with pong, and nothing for other oks', () => {
    expect(frames(okReply(subscribe))).toEqual([{ event: 'pusher_internal:subscription_succeeded', channel: 'private-a', data: '{}' }]);
    expect(frames(okReply({ ...subscribe, topic: null, ref: PUSHER_REFS.ping }))).toEqual([{ event: 'pusher:pong', data: '{}' }]);
    expect(frames(okReply({ ...subscribe, ref: PUSHER_REFS.unsubscribe }))).toEqual([]);
    // A presence channel succeeds with its member list, the presence_state that follows.
    expect(frames(okReply({ ...subscribe, topic: 'presence-a' }))).toEqual([]);
  });

  it('turns a refused subscribe into the channel\'s pusher:subscription_error, other refusals into pusher:error', () => {
    const [refused] = frames(errorReply(subscribe, 'unauthorized', 'invalid signature'));
    expect(refused).toMatchObject({ event: 'pusher:subscription_error', channel: 'private-a' });
    expect(dataOf(refused as { data: string })).toEqual({ type: 'AuthError', error: 'invalid signature', status: 403, reason: 'unauthorized' });
    // Pusher answers no unsubscribe, not even one of a channel never subscribed.
    expect(frames(errorReply({ ...subscribe, ref: PUSHER_REFS.unsubscribe }, 'not_joined', 'not joined'))).toEqual([]);
    const [limited] = frames(errorReply({ ...subscribe, ref: null }, 'rate_limited', 'slow down'));
    expect(limited?.event).toBe('pusher:error');
    expect(dataOf(limited as { data: string })).toEqual({ code: 4301, message: 'slow down', reason: 'rate_limited', channel: 'private-a' });
  });

  it('turns presence into Pusher members, one per user, on presence channels only', () => {
    const state = { alice: { metas: [{ user_info: { name: 'A' }, phx_ref: '1' }, { user_info: { name: 'A' }, phx_ref: '2' }] }, bob: { metas: [{ phx_ref: '3' }] } };
    const [succeeded] = frames({ topic: 'presence-a', event: 'presence_state', payload: state, ref: null, joinRef: null });
    expect(dataOf(succeeded as { data: string })).toEqual({ presence: { ids: ['alice', 'bob'], hash: { alice: { name: 'A' }, bob: null }, count: 2 } });
    expect(frames({ topic: 'chat', event: 'presence_state', payload: state, ref: null, joinRef: null })).toEqual([]);

    const diff = { joins: { carol: { metas: [{ user_info: { n: 1 }, phx_ref: '4' }] } }, leaves: { bob: { metas: [{ phx_ref: '3' }] } } };
    expect(frames({ topic: 'presence-a', event: 'presence_diff', payload: diff, ref: null, joinRef: null }).map((f) => [f.event, dataOf(f)])).toEqual([
      ['pusher_internal:member_added', { user_id: 'carol', user_info: { n: 1 } }],
      ['pusher_internal:member_removed', { user_id: 'bob' }],
    ]);
    // The announcer says which users changed as a whole: a second connection of carol adds nobody.
    expect(frames({ topic: 'presence-a', event: 'presence_diff', payload: diff, ref: null, joinRef: null, members: { added: [], removed: ['bob'] } }).map((f) => f.event)).toEqual(['pusher_internal:member_removed']);
  });
});
