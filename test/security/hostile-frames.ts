/**
 * A corpus of hostile frames and the stable reason each must be refused with. Data only:
 * test/security/hostile-frames.test.ts sends them, one by one, through the local gateway
 * from one connection ("mallory") while a neighbour sits in `room:lobby`.
 *
 * The attacker's situation when each phase starts:
 *   open         authenticated as sub "mallory" (no role), joined to room:lobby only
 *   topic-limit  joined to CORPUS_LIMITS.maxTopicsPerConnection topics
 *   rate-limit   has spent its whole push budget for the window
 */
import type { Reason } from '../../lambdas/core/protocol/constants.js';

export type Phase = 'open' | 'topic-limit' | 'rate-limit';

export interface HostileFrame {
  readonly name: string;
  /** A text frame, or `{ binary }` for a binary frame of these bytes. */
  readonly frame: string | { readonly binary: readonly number[] };
  readonly reason: Reason;
  readonly phase: Phase;
}

/** Limits the corpus is written against (see the phases). */
export const CORPUS_LIMITS = {
  maxTopicsPerConnection: 3,
  maxPushesPerWindow: 25,
  // A window that cannot roll over while the test runs (the next boundary is in 2033).
  rateLimitWindowSeconds: 1_000_000_000,
} as const;

/** The attacker's sub, the neighbour's topic, and a rule that guards admin:* topics. */
export const ATTACKER_SUB = 'mallory';
export const LOBBY = 'room:lobby';
export const ADMIN_RULE = { pattern: 'admin:*', claims: { role: ['admin'] } } as const;

const json = (value: unknown): string => JSON.stringify(value);
const push = (topic: unknown, event: unknown, payload: unknown = {}, extra: Record<string, unknown> = {}) => json({ action: 'push', topic, event, payload, ref: 'p', ...extra });
const join = (topic: unknown, payload: unknown = {}, extra: Record<string, unknown> = {}) => json({ action: 'join', topic, payload, ref: 'j', ...extra });
const v2 = (joinRef: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown) => json([joinRef, ref, topic, event, payload]);
const deep = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const POLLUTE = '{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}';

const OPEN: readonly Omit<HostileFrame, 'phase'>[] = [
  // Not JSON, or JSON of the wrong shape.
  { name: 'an empty frame', frame: '', reason: 'invalid_frame' },
  { name: 'whitespace only', frame: ' \n\t ', reason: 'invalid_frame' },
  { name: 'null', frame: 'null', reason: 'invalid_frame' },
  { name: 'true', frame: 'true', reason: 'invalid_frame' },
  { name: 'a number', frame: '42', reason: 'invalid_frame' },
  { name: 'a number out of range', frame: '-1e999', reason: 'invalid_frame' },
  { name: 'a JSON string', frame: '"join"', reason: 'invalid_frame' },
  { name: 'NaN', frame: 'NaN', reason: 'invalid_frame' },
  { name: 'an unterminated object', frame: '{"action":"join","topic":"room:a"', reason: 'invalid_frame' },
  { name: 'single-quoted JSON', frame: "{'action':'join','topic':'room:a'}", reason: 'invalid_frame' },
  { name: 'a trailing comma', frame: '{"action":"join","topic":"room:a",}', reason: 'invalid_frame' },
  { name: 'a byte order mark before the JSON', frame: '\ufeff{"action":"ping"}', reason: 'invalid_frame' },
  { name: 'an empty object', frame: '{}', reason: 'invalid_frame' },
  { name: 'a numeric action', frame: '{"action":1,"topic":"room:a"}', reason: 'invalid_frame' },
  { name: 'a null action', frame: '{"action":null}', reason: 'invalid_frame' },
  { name: '10k-deep array nesting', frame: deep(10_000, '[', ']'), reason: 'invalid_frame' },
  // 5k levels of `{"a":` is as deep as one 32 KB frame goes.
  { name: '5k-deep object nesting', frame: deep(5_000, '{"a":', '}'), reason: 'invalid_frame' },
  { name: 'a payload nested 40 deep in a push to the lobby', frame: `{"action":"push","topic":"${LOBBY}","event":"e","payload":${deep(40, '[', ']')}}`, reason: 'invalid_frame' },
  { name: 'a lone surrogate in a topic', frame: '{"action":"join","topic":"room:\\ud800","ref":"j"}', reason: 'invalid_frame' },
  { name: 'a lone surrogate in a lobby payload', frame: `{"action":"push","topic":"${LOBBY}","event":"e","payload":{"x":"\\udfff"}}`, reason: 'invalid_frame' },
  { name: 'a ref that is an object', frame: join('room:a', {}, { ref: { $gt: '' } }), reason: 'invalid_frame' },
  { name: 'a ref of 256 characters', frame: join('room:a', {}, { ref: 'r'.repeat(256) }), reason: 'invalid_frame' },
  // The longest ref a single frame can carry (API Gateway closes frames over 32 KB with 1009).
  { name: 'a ref of 30,000 characters', frame: push(LOBBY, 'e', {}, { ref: 'r'.repeat(30_000) }), reason: 'invalid_frame' },
  { name: 'a join payload that is a list', frame: join('room:a', []), reason: 'invalid_frame' },
  { name: 'a join payload that is a string', frame: join('room:a', 'x'), reason: 'invalid_frame' },
  { name: 'a presence meta that is a string', frame: join('room:a', { meta: 'x' }), reason: 'invalid_frame' },
  { name: 'self that is not a boolean, to the lobby', frame: push(LOBBY, 'e', {}, { self: 'no' }), reason: 'invalid_frame' },
  { name: 'prototype pollution as the whole frame', frame: POLLUTE, reason: 'invalid_frame' },
  { name: 'an action hidden in __proto__', frame: '{"__proto__":{"action":"push","topic":"room:lobby","event":"e"}}', reason: 'invalid_frame' },

  // Phoenix V2 arrays with the wrong shape or types.
  { name: 'an empty array', frame: '[]', reason: 'invalid_frame' },
  { name: 'a V2 frame with 4 elements', frame: json([null, '1', LOBBY, 'e']), reason: 'invalid_frame' },
  { name: 'a V2 frame with 6 elements', frame: json([null, '1', LOBBY, 'e', {}, 'extra']), reason: 'invalid_frame' },
  { name: 'a V2 join_ref that is an object', frame: v2({}, '1', LOBBY, 'e', {}), reason: 'invalid_frame' },
  { name: 'a V2 ref that is a list', frame: v2(null, [], LOBBY, 'e', {}), reason: 'invalid_frame' },
  { name: 'a V2 join payload that is a string', frame: v2('1', '1', 'room:a', 'phx_join', 'x'), reason: 'invalid_frame' },

  // Actions nobody routes.
  { name: 'an unknown action', frame: '{"action":"subscribe","topic":"room:lobby"}', reason: 'unknown_action' },
  { name: 'an action in the wrong case', frame: '{"action":"JOIN","topic":"room:lobby"}', reason: 'unknown_action' },
  { name: 'an action with a trailing space', frame: '{"action":"join ","topic":"room:lobby"}', reason: 'unknown_action' },
  { name: 'the $connect route as an action', frame: '{"action":"$connect"}', reason: 'unknown_action' },
  { name: 'the $disconnect route as an action', frame: '{"action":"$disconnect"}', reason: 'unknown_action' },
  { name: 'the $default route as an action', frame: '{"action":"$default"}', reason: 'unknown_action' },
  { name: '__proto__ as the action', frame: '{"action":"__proto__"}', reason: 'unknown_action' },
  { name: 'toString as the action', frame: '{"action":"toString"}', reason: 'unknown_action' },
  { name: 'constructor.prototype pollution with an unknown action', frame: '{"constructor":{"prototype":{"polluted":true}},"action":"nope"}', reason: 'unknown_action' },
  { name: 'a duplicate action key (the last one wins everywhere)', frame: '{"action":"ping","action":"bogus"}', reason: 'unknown_action' },

  // Topics.
  { name: 'an empty topic', frame: join(''), reason: 'invalid_topic' },
  { name: 'a topic of 256 characters', frame: join(`room:${'x'.repeat(251)}`), reason: 'invalid_topic' },
  { name: 'a push to a 256-character topic', frame: push(`room:${'x'.repeat(251)}`, 'e'), reason: 'invalid_topic' },
  { name: 'a topic with NUL', frame: join('room:\u0000lobby'), reason: 'invalid_topic' },
  { name: 'a topic with a newline (log injection)', frame: join('room:a\nINFO forged log line'), reason: 'invalid_topic' },
  { name: 'a topic with an ANSI escape', frame: join('room:\u001b[31mred'), reason: 'invalid_topic' },
  { name: 'a topic with DEL', frame: join('room:\u007f'), reason: 'invalid_topic' },
  { name: 'a topic with a C1 control character', frame: join('room:\u0085'), reason: 'invalid_topic' },
  { name: 'a numeric topic', frame: join(123), reason: 'invalid_topic' },
  { name: 'a null topic', frame: join(null), reason: 'invalid_topic' },
  { name: 'a topic that is a list', frame: join([LOBBY]), reason: 'invalid_topic' },
  { name: 'a topic that is a query operator', frame: join({ $ne: null }), reason: 'invalid_topic' },
  { name: 'a join without a topic', frame: '{"action":"join","ref":"j"}', reason: 'invalid_topic' },
  { name: 'a topic hidden in __proto__', frame: '{"action":"join","__proto__":{"topic":"room:lobby"}}', reason: 'invalid_topic' },
  { name: 'a leave of a topic with a control character', frame: '{"action":"leave","topic":"room:lobby\\u0000"}', reason: 'invalid_topic' },
  { name: 'a V2 frame whose topic is a number', frame: json([1, 2, 3, 4, 5]), reason: 'invalid_topic' },
  { name: 'a V2 join whose topic is null', frame: v2('1', '1', null, 'phx_join', {}), reason: 'invalid_topic' },

  // Events.
  { name: 'an empty event', frame: push(LOBBY, ''), reason: 'invalid_event' },
  { name: 'an event of 65 characters', frame: push(LOBBY, 'e'.repeat(65)), reason: 'invalid_event' },
  { name: 'a numeric event', frame: push(LOBBY, 42), reason: 'invalid_event' },
  { name: 'a null event', frame: push(LOBBY, null), reason: 'invalid_event' },
  { name: 'a push without an event', frame: `{"action":"push","topic":"${LOBBY}","ref":"p"}`, reason: 'invalid_event' },
  { name: 'an event with a newline', frame: push(LOBBY, 'shout\nphx_reply'), reason: 'invalid_event' },
  { name: 'a V2 event that is a number', frame: v2(null, '1', LOBBY, 7, {}), reason: 'invalid_event' },

  // Server events a client would use to impersonate the server.
  { name: 'phx_reply to the lobby', frame: push(LOBBY, 'phx_reply', { status: 'ok', response: {} }), reason: 'reserved_event' },
  { name: 'phx_close to the lobby', frame: push(LOBBY, 'phx_close'), reason: 'reserved_event' },
  { name: 'phx_error to the lobby', frame: push(LOBBY, 'phx_error'), reason: 'reserved_event' },
  { name: 'phx_join as a pushed event', frame: push(LOBBY, 'phx_join'), reason: 'reserved_event' },
  { name: 'the bare phx_ prefix', frame: push(LOBBY, 'phx_'), reason: 'reserved_event' },
  { name: 'presence_state to the lobby', frame: push(LOBBY, 'presence_state', { admin: { metas: [{ phx_ref: 'x' }] } }), reason: 'reserved_event' },
  { name: 'presence_diff to the lobby', frame: push(LOBBY, 'presence_diff', { joins: { admin: { metas: [{ phx_ref: 'x' }] } }, leaves: {} }), reason: 'reserved_event' },
  { name: 'a V2 presence_diff to the lobby', frame: v2(null, '1', LOBBY, 'presence_diff', { joins: {}, leaves: { neighbour: { metas: [] } } }), reason: 'reserved_event' },
  { name: 'a V2 phx_reply to the lobby', frame: v2(null, '1', LOBBY, 'phx_reply', { status: 'ok', response: {} }), reason: 'reserved_event' },
  { name: 'a V2 phx_error to the lobby', frame: v2(null, '1', LOBBY, 'phx_error', {}), reason: 'reserved_event' },

  // Topics the attacker never joined.
  { name: 'a push to a topic not joined', frame: push('room:nowhere', 'e'), reason: 'not_joined' },
  { name: "a push to alice's user topic", frame: push('user:alice', 'e'), reason: 'not_joined' },
  { name: 'a push to an admin topic', frame: push('admin:panel', 'e'), reason: 'not_joined' },
  { name: 'a push to the lobby with a trailing space', frame: push(`${LOBBY} `, 'e'), reason: 'not_joined' },
  { name: 'a push to the lobby in capitals', frame: push(LOBBY.toUpperCase(), 'e'), reason: 'not_joined' },
  { name: 'a push to the lobby with a zero-width space', frame: push(`room:\u200blobby`, 'e'), reason: 'not_joined' },
  { name: 'a polluting payload to a topic not joined', frame: `{"action":"push","topic":"room:nowhere","event":"e","payload":${POLLUTE}}`, reason: 'not_joined' },
  { name: 'a V2 push to a topic not joined', frame: v2(null, '1', 'room:nowhere', 'shout', { a: 1 }), reason: 'not_joined' },

  // Topics the attacker may not join.
  { name: "a join of alice's user topic", frame: join('user:alice'), reason: 'unauthorized' },
  { name: "a join of alice's inbox", frame: join('user:alice:inbox'), reason: 'unauthorized' },
  { name: "a join of alice's topic with a trailing space", frame: join('user:alice '), reason: 'unauthorized' },
  { name: "a join of alice's topic in capitals", frame: join('user:ALICE'), reason: 'unauthorized' },
  { name: 'a join of an admin topic without the role', frame: join('admin:panel'), reason: 'unauthorized' },
  { name: 'a join of an admin topic with a polluting, role-claiming payload', frame: `{"action":"join","topic":"admin:panel","payload":{"role":"admin","claims":{"role":"admin"},"meta":${POLLUTE}}}`, reason: 'unauthorized' },
  { name: "a V2 join of bob's user topic", frame: v2('9', '9', 'user:bob', 'phx_join', {}), reason: 'unauthorized' },

  // Sizes.
  // Payloads over the 28 KB limit in frames under API Gateway's 32 KB (a larger frame closes the socket).
  { name: 'a 29,000-byte payload to the lobby', frame: push(LOBBY, 'big', { blob: 'x'.repeat(29_000) }), reason: 'payload_too_large' },
  { name: 'a payload of many small keys over 28 KB', frame: push(LOBBY, 'big', Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`k${i}`, 'vvvv']))), reason: 'payload_too_large' },
  { name: 'a payload over 28 KB in UTF-8 but not in characters', frame: push(LOBBY, 'big', { blob: '€'.repeat(9_700) }), reason: 'payload_too_large' },
  { name: 'a V2 payload over 28 KB to the lobby', frame: v2(null, '1', LOBBY, 'big', { blob: 'x'.repeat(29_000) }), reason: 'payload_too_large' },
  { name: 'a join payload over 28 KB', frame: join('room:a', { blob: 'x'.repeat(29_000) }), reason: 'payload_too_large' },
  { name: 'a presence meta over 1 KB', frame: join('room:a', { meta: { name: 'x'.repeat(2000) } }), reason: 'payload_too_large' },
];

const TOPIC_LIMIT: readonly Omit<HostileFrame, 'phase'>[] = [
  { name: 'a join beyond the topic limit', frame: join('room:one-too-many'), reason: 'too_many_topics' },
  { name: 'a V2 join beyond the topic limit', frame: v2('7', '7', 'room:two-too-many', 'phx_join', {}), reason: 'too_many_topics' },
  { name: 'a join of its own user topic beyond the topic limit', frame: join(`user:${ATTACKER_SUB}`), reason: 'too_many_topics' },
  // Authorization comes before counting: no hint that a forbidden topic would fit.
  { name: 'a forbidden join beyond the topic limit', frame: join('user:alice'), reason: 'unauthorized' },
];

const RATE_LIMIT: readonly Omit<HostileFrame, 'phase'>[] = [
  { name: 'a push to the lobby over the rate limit', frame: push(LOBBY, 'flood', { n: 1 }), reason: 'rate_limited' },
  { name: 'a push to the lobby over the rate limit, self false', frame: push(LOBBY, 'flood', { n: 2 }, { self: false }), reason: 'rate_limited' },
  { name: 'a V2 push to the lobby over the rate limit', frame: v2(null, '1', LOBBY, 'flood', { n: 3 }), reason: 'rate_limited' },
  { name: 'another push to the lobby over the rate limit', frame: push(LOBBY, 'flood', { n: 4 }), reason: 'rate_limited' },
  // Membership is checked first: a flood to foreign topics still says not_joined.
  { name: 'a push to a topic not joined, over the rate limit', frame: push('room:nowhere', 'flood'), reason: 'not_joined' },
  // Frames refused by the codec never reach the counter and keep their own reason.
  { name: 'a reserved event over the rate limit', frame: push(LOBBY, 'phx_reply'), reason: 'reserved_event' },
];

export const HOSTILE_FRAMES: readonly HostileFrame[] = [
  ...OPEN.map((frame) => ({ ...frame, phase: 'open' as const })),
  ...TOPIC_LIMIT.map((frame) => ({ ...frame, phase: 'topic-limit' as const })),
  ...RATE_LIMIT.map((frame) => ({ ...frame, phase: 'rate-limit' as const })),
];
