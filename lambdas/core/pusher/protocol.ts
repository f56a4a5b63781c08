/**
 * Pusher protocol 7 names and numbers, in one place (as pusher-js keeps them in
 * `src/core/connection/protocol/protocol.ts`), so codec, use cases and tests agree.
 */

/** The protocol version pusher-js speaks (`?protocol=7`); 5 to 7 share the frames topicast uses. */
export const PUSHER_PROTOCOL = { minimum: 5, maximum: 7 } as const;

/**
 * Seconds of silence after which pusher-js sends `pusher:ping` (it uses the smaller of this and
 * its own `activityTimeout`, 120 s by default). API Gateway closes a connection after 10 minutes
 * without a message, and bills every ping and pong as a message plus a `$default` invocation,
 * so the server offers 540 s: a client that raises its option pings once per 9 minutes (with
 * 30 s of pong timeout and 30 s of margin inside the 10) instead of Pusher's every 2 minutes.
 */
export const PUSHER_ACTIVITY_TIMEOUT_SECONDS = 540;

export const PUSHER_EVENTS = {
  connectionEstablished: 'pusher:connection_established',
  error: 'pusher:error',
  ping: 'pusher:ping',
  pong: 'pusher:pong',
  subscribe: 'pusher:subscribe',
  unsubscribe: 'pusher:unsubscribe',
  signin: 'pusher:signin',
  subscriptionError: 'pusher:subscription_error',
  subscriptionSucceeded: 'pusher_internal:subscription_succeeded',
  subscriptionCount: 'pusher_internal:subscription_count',
  memberAdded: 'pusher_internal:member_added',
  memberRemoved: 'pusher_internal:member_removed',
} as const;

/** Client events: the only events a Pusher client may send on a channel. */
export const CLIENT_EVENT_PREFIX = 'client-';

/**
 * Pusher's error codes (pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol).
 * 4000–4099: the client must not reconnect; 4100–4199: reconnect after a back-off;
 * 4200–4299: reconnect now; 4300–4399: the frame was refused, the connection stays.
 */
export const PUSHER_ERROR_CODES = {
  appDoesNotExist: 4001,
  invalidVersion: 4006,
  unsupportedProtocol: 4007,
  noProtocolVersion: 4008,
  unauthorized: 4009,
  overCapacity: 4100,
  genericReconnect: 4200,
  clientEventRateLimited: 4301,
} as const;
