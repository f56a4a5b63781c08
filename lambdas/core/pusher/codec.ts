/**
 * Pusher protocol 7 frames, decoded into topicast's commands and encoded from its messages.
 * A Pusher frame is `{"event","data","channel"}` with no `action`, so API Gateway routes it
 * to `$default` beside Phoenix V2 arrays. Pure: no I/O, never throws on any input.
 *
 * - `pusher:subscribe` is a join of the topic named by the channel, `pusher:unsubscribe` a
 *   leave, `pusher:ping` a heartbeat, and a `client-` event a push that is never echoed to
 *   its sender (Pusher's rule).
 * - Replies carry the Pusher event they answer as their `ref` (see `PUSHER_REFS`), so the
 *   encoder knows what an ok or an error means: a subscribe's ok is
 *   `pusher_internal:subscription_succeeded`, a ping's is `pusher:pong`, other oks are
 *   silent (Pusher answers nothing else).
 * - Presence is Phoenix's on the inside (keys = user ids, metas carry `user_info`) and
 *   Pusher's on the wire: a `presence_state` becomes the subscription's member list, a
 *   `presence_diff` becomes `member_added`/`member_removed` per user.
 */
import { ProtocolError } from '../errors.js';
import { CHANNEL_EVENTS, PRESENCE_EVENTS, PUSHER_REASONS, REASONS } from '../protocol/constants.js';
import type { Command, JsonObject, OutboundMessage, ReplyContext } from '../protocol/messages.js';
import { isPlainObject, jsonByteLength, parseUntrustedJson } from '../protocol/safe-json.js';
import type { PresenceDiff, PresenceMeta, PresenceState } from '../presence.js';
import { assertValidPushEvent, assertValidTopic, isReservedEvent, MAX_TOPIC_LENGTH } from '../topics.js';
import { CACHE_CHANNELS_REFUSED, isPusherCacheChannel, pusherChannelKind } from './app.js';
import { CLIENT_EVENT_PREFIX, PUSHER_ERROR_CODES, PUSHER_EVENTS } from './protocol.js';

/** The `ref` a Pusher command's reply carries: the event it answers. */
export const PUSHER_REFS = {
  subscribe: PUSHER_EVENTS.subscribe,
  unsubscribe: PUSHER_EVENTS.unsubscribe,
  ping: PUSHER_EVENTS.ping,
} as const;

export type PusherDecodeResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: ProtocolError; readonly context: ReplyContext };

type DecodeLimits = { readonly maxPayloadBytes: number; readonly maxJsonDepth: number };

/**
 * Pusher's frame shape: a string `event` and none of the native frame's `action`, `topic` or
 * `ref` (a native frame that forgot its `action` is still answered `invalid_frame` natively).
 */
export function isPusherFrame(frame: JsonObject): boolean {
  return typeof frame.event === 'string' && frame.action === undefined && frame.topic === undefined && frame.ref === undefined;
}

export function decodePusherFrame(frame: JsonObject, limits: DecodeLimits): PusherDecodeResult {
  const event = frame.event as string;
  const base: ReplyContext = { format: 'pusher', topic: null, ref: null, joinRef: null };
  try {
    if (event === PUSHER_EVENTS.ping) return { ok: true, command: { kind: 'heartbeat', ...base, ref: PUSHER_REFS.ping } };
    if (event === PUSHER_EVENTS.subscribe || event === PUSHER_EVENTS.unsubscribe) return decodeSubscription(event, frame, base, limits);
    if (event === PUSHER_EVENTS.signin) {
      return failure(base, new ProtocolError(PUSHER_REASONS.unsupported, 'pusher:signin (user authentication) is not supported; use presence channels for user identity'));
    }
    if (!event.startsWith(CLIENT_EVENT_PREFIX)) {
      return failure(base, new ProtocolError(REASONS.invalidEvent, `a Pusher client may send pusher:subscribe, pusher:unsubscribe, pusher:ping or client- events, not "${truncate(event)}"`));
    }
    return decodeClientEvent(event, frame, base, limits);
  } catch (error) {
    return failure(base, error instanceof ProtocolError ? error : new ProtocolError(REASONS.invalidFrame, 'frame could not be decoded', { cause: error }));
  }
}

function decodeSubscription(event: string, frame: JsonObject, base: ReplyContext, limits: DecodeLimits): PusherDecodeResult {
  const ref = event === PUSHER_EVENTS.subscribe ? PUSHER_REFS.subscribe : PUSHER_REFS.unsubscribe;
  const data = readData(frame.data, limits);
  if (!isPlainObject(data)) return failure({ ...base, ref }, new ProtocolError(REASONS.invalidFrame, `${event} needs "data": {"channel": ...}`));
  const channel = data.channel;
  const context: ReplyContext = { ...base, ref, topic: echoable(channel) };
  try {
    assertValidTopic(channel);
  } catch (error) {
    return failure(context, error as ProtocolError);
  }
  if (event === PUSHER_EVENTS.unsubscribe) return { ok: true, command: { kind: 'leave', ...context, topic: channel } };
  if (isPusherCacheChannel(channel)) return failure(context, new ProtocolError(PUSHER_REASONS.unsupported, CACHE_CHANNELS_REFUSED));
  if (pusherChannelKind(channel) === 'private-encrypted') {
    return failure(
      context,
      new ProtocolError(
        PUSHER_REASONS.unsupported,
        'private-encrypted- channels are not supported: their end-to-end encryption needs the per-channel shared secret that only Pusher\'s auth endpoint hands out, and the Phoenix clients sharing the topic could not read them; use private- channels (TLS protects them in transit)',
      ),
    );
  }
  const channelData = data.channel_data;
  if (channelData !== undefined && typeof channelData !== 'string') {
    return failure(context, new ProtocolError(REASONS.invalidFrame, '"channel_data" must be a JSON string, exactly as your auth endpoint signed it'));
  }
  return { ok: true, command: { kind: 'join', ...context, topic: channel, payload: {}, pusherAuth: { auth: data.auth, channelData: channelData ?? null } } };
}

function decodeClientEvent(event: string, frame: JsonObject, base: ReplyContext, limits: DecodeLimits): PusherDecodeResult {
  const channel = frame.channel;
  const context: ReplyContext = { ...base, topic: echoable(channel) };
  try {
    assertValidTopic(channel);
    assertValidPushEvent(event);
    const kind = pusherChannelKind(channel);
    if (kind !== 'private' && kind !== 'presence') {
      throw new ProtocolError(REASONS.unauthorized, `client events are only allowed on private- and presence- channels, not on ${channel}`);
    }
    const payload = readData(frame.data, limits) ?? {};
    assertPayloadSize(payload, limits);
    return { ok: true, command: { kind: 'push', ...context, topic: channel, event, payload, self: false } };
  } catch (error) {
    return failure(context, error as ProtocolError);
  }
}

/** `data` may be an object or a JSON string of one (Pusher's server sends strings; pusher-js sends objects). */
function readData(data: unknown, limits: DecodeLimits): unknown {
  if (typeof data !== 'string') return data;
  const parsed = parseUntrustedJson(data, limits.maxJsonDepth);
  return parsed.ok ? parsed.value : data;
}

function assertPayloadSize(payload: unknown, limits: DecodeLimits): void {
  const bytes = jsonByteLength(payload);
  if (bytes > limits.maxPayloadBytes) throw new ProtocolError(REASONS.payloadTooLarge, `payload is ${bytes} bytes; the limit is ${limits.maxPayloadBytes}`);
}

// ---- encoding ----------------------------------------------------------------------------

/**
 * Pusher's wire frame: `data` is always a JSON string, as Pusher's own server sends it; a
 * client event on a presence channel also names its sender's `user_id`, as Pusher adds it.
 */
export function pusherFrame(event: string, data: unknown, channel?: string | null, userId?: string): string {
  const encoded = typeof data === 'string' ? data : JSON.stringify(data ?? {});
  if (!channel) return JSON.stringify({ event, data: encoded });
  return JSON.stringify(userId === undefined ? { event, channel, data: encoded } : { event, channel, data: encoded, user_id: userId });
}

/** The frames one message becomes for a Pusher client: none, one, or (a presence diff) one per member. */
export function encodePusherFrames(message: OutboundMessage): string[] {
  const { topic, event } = message;
  switch (event) {
    case CHANNEL_EVENTS.reply:
      return encodeReply(message);
    case CHANNEL_EVENTS.close:
    case CHANNEL_EVENTS.error:
      return [];
    case PRESENCE_EVENTS.state:
      return isPresenceChannel(topic) ? [pusherFrame(PUSHER_EVENTS.subscriptionSucceeded, { presence: presenceOf(message.payload as PresenceState) }, topic)] : [];
    case PRESENCE_EVENTS.diff:
      return isPresenceChannel(topic) ? memberFrames(topic as string, message) : [];
    case PRESENCE_EVENTS.occupancy:
      return [pusherFrame(PUSHER_EVENTS.subscriptionCount, { subscription_count: (message.payload as { subscribers?: number }).subscribers ?? 0 }, topic)];
    default:
      // Whatever sent it (a channel module, a server publish), a broadcast never speaks as the protocol.
      return isReservedEvent(event) ? [] : [pusherFrame(event, message.payload, topic, message.userId)];
  }
}

function encodeReply(message: OutboundMessage): string[] {
  const { status, response } = message.payload as { status: string; response: JsonObject };
  if (status === 'ok') {
    if (message.ref === PUSHER_REFS.ping) return [pusherFrame(PUSHER_EVENTS.pong, {})];
    // A presence channel's subscription succeeds with its member list: the presence_state that follows.
    if (message.ref === PUSHER_REFS.subscribe && !isPresenceChannel(message.topic)) return [pusherFrame(PUSHER_EVENTS.subscriptionSucceeded, {}, message.topic)];
    return [];
  }
  // Pusher answers no unsubscribe, not even of a channel never subscribed (pusher-js sends one
  // after a refused subscribe, and when Echo leaves).
  if (message.ref === PUSHER_REFS.unsubscribe) return [];
  const reason = typeof response.reason === 'string' ? response.reason : REASONS.internalError;
  const text = typeof response.message === 'string' ? response.message : `refused: ${reason}`;
  if (message.ref === PUSHER_REFS.subscribe && message.topic !== null) {
    // pusher-js hands a channel's `pusher:subscription_error` to its bindings (Echo's `.error()`).
    const status = reason === REASONS.unauthorized ? 403 : reason === REASONS.internalError ? 500 : 400;
    return [pusherFrame(PUSHER_EVENTS.subscriptionError, { type: reason === REASONS.unauthorized ? 'AuthError' : 'SubscriptionError', error: text, status, reason }, message.topic)];
  }
  return [pusherFrame(PUSHER_EVENTS.error, { code: pusherCodeOf(reason), message: text, reason, ...(message.topic === null ? {} : { channel: message.topic }) })];
}

/** Pusher's 4300 range says a frame was refused and the connection stays; only the rate limit has its own code. */
function pusherCodeOf(reason: string): number | null {
  return reason === REASONS.rateLimited ? PUSHER_ERROR_CODES.clientEventRateLimited : null;
}

/** Pusher's member list: `{ids, hash: {user_id: user_info}, count}`, one entry per user. */
export function presenceOf(state: PresenceState): { ids: string[]; hash: Record<string, unknown>; count: number } {
  const hash: Record<string, unknown> = {};
  for (const [key, { metas }] of Object.entries(state)) hash[key] = userInfoOf(metas[0]);
  const ids = Object.keys(hash);
  return { ids, hash, count: ids.length };
}

/**
 * `member_added` for each user the diff adds, `member_removed` for each it removes. The
 * announcer says which users changed (`members`: first connection in, last one out), as
 * Pusher counts members per user; without it every key of the diff counts.
 */
function memberFrames(topic: string, message: OutboundMessage): string[] {
  const diff = message.payload as PresenceDiff;
  const added = message.members ? message.members.added : Object.keys(diff.joins);
  const removed = message.members ? message.members.removed : Object.keys(diff.leaves);
  return [
    ...added.map((userId) => pusherFrame(PUSHER_EVENTS.memberAdded, { user_id: userId, user_info: userInfoOf(diff.joins[userId]?.metas[0]) }, topic)),
    ...removed.map((userId) => pusherFrame(PUSHER_EVENTS.memberRemoved, { user_id: userId }, topic)),
  ];
}

/** A Pusher member's `user_info`; a Phoenix member's meta (without `phx_ref`) stands in for it. */
function userInfoOf(meta: PresenceMeta | undefined): unknown {
  if (!meta) return null;
  if (Object.hasOwn(meta, 'user_info')) return meta.user_info ?? null;
  const { phx_ref: _ref, ...rest } = meta;
  return Object.keys(rest).length === 0 ? null : rest;
}

function isPresenceChannel(topic: string | null): boolean {
  return topic !== null && pusherChannelKind(topic) === 'presence';
}

function echoable(topic: unknown): string | null {
  return typeof topic === 'string' && topic.length > 0 && topic.length <= MAX_TOPIC_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(topic) ? topic : null;
}

function failure(context: ReplyContext, error: ProtocolError): PusherDecodeResult {
  return { ok: false, error, context };
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
