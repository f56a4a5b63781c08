/**
 * Every reserved name of the wire protocol, in one place (as Phoenix keeps them in
 * constants.js), so the codecs, the use cases and the tests cannot disagree.
 */

/** Native actions; API Gateway selects the route on `$request.body.action`. */
export const ACTIONS = ['join', 'leave', 'push', 'ping'] as const;
export type Action = (typeof ACTIONS)[number];

/** Route keys of the WebSocket API, in the order they are declared. */
export const ROUTE_KEYS = ['$connect', '$disconnect', 'join', 'leave', 'push', 'ping', '$default'] as const;
export type RouteKey = (typeof ROUTE_KEYS)[number];

/** Phoenix channel events (phoenix/assets/js/phoenix/constants.js). */
export const CHANNEL_EVENTS = {
  join: 'phx_join',
  leave: 'phx_leave',
  reply: 'phx_reply',
  close: 'phx_close',
  error: 'phx_error',
  heartbeat: 'heartbeat',
} as const;

export const PRESENCE_EVENTS = {
  state: 'presence_state',
  diff: 'presence_diff',
  /** A topic over its presence cap: `{"subscribers": n, "presence": keys}` instead of diffs. */
  occupancy: 'presence_occupancy',
} as const;

/** The topic Phoenix clients send heartbeats on. */
export const PHOENIX_TOPIC = 'phoenix';

/** The `vsn` query parameter value of the Phoenix V2 serializer. */
export const PHOENIX_V2_VSN = '2.0.0';

/**
 * Clients may not push events that would impersonate the server: Phoenix's, and Pusher's
 * (a `pusher_internal:member_added` pushed by a Phoenix client onto a presence channel would
 * fake a member for every pusher-js subscriber).
 */
export const RESERVED_EVENT_PREFIXES = ['phx_', 'presence_', 'pusher:', 'pusher_internal:'] as const;

/** Stable error reasons; clients branch on these, so they never change meaning. */
export const REASONS = {
  invalidFrame: 'invalid_frame',
  unknownAction: 'unknown_action',
  invalidTopic: 'invalid_topic',
  invalidEvent: 'invalid_event',
  reservedEvent: 'reserved_event',
  notJoined: 'not_joined',
  unauthorized: 'unauthorized',
  payloadTooLarge: 'payload_too_large',
  tooManyTopics: 'too_many_topics',
  rateLimited: 'rate_limited',
  internalError: 'internal_error',
  /** A leave of the topic ran at the same time and ended the join before it was done: not joined. */
  joinInterrupted: 'join_interrupted',
} as const;

/** Reasons only Pusher clients get (in `pusher:error` / `pusher:subscription_error`), beside the ones above. */
export const PUSHER_REASONS = {
  /** A Pusher protocol feature topicast does not offer (encrypted channels, user sign-in); docs/pusher.md says why. */
  unsupported: 'unsupported',
  /** A Pusher frame reached a deployment with no Pusher app configured. */
  pusherOff: 'pusher_off',
} as const;

/** Reasons only server-side publish (HTTP and SDK) gives, beside the ones above; never sent on a socket. */
export const PUBLISH_REASONS = {
  /** A body or argument that is not JSON or has the wrong shape. */
  invalidRequest: 'invalid_request',
  /** A batch over the 25-message limit. */
  tooManyMessages: 'too_many_messages',
  /** A history read of a topic no `history` pattern matches. */
  historyOff: 'history_off',
} as const;
export type Reason =
  | (typeof REASONS)[keyof typeof REASONS]
  | (typeof PUBLISH_REASONS)[keyof typeof PUBLISH_REASONS]
  | (typeof PUSHER_REASONS)[keyof typeof PUSHER_REASONS];

export const REPLY_STATUS = { ok: 'ok', error: 'error' } as const;
