/**
 * A Pusher connection's first frame. pusher-js sends nothing until it has received
 * `pusher:connection_established` (its socket_id and activity timeout), or a `pusher:error`,
 * which during the handshake makes it give up (4000–4099) or back off, as Pusher's server
 * tells it. The protocol version comes as `?protocol=` on the connect URL.
 *
 * API Gateway lets nobody post to a connection while `$connect` runs (a post answers 410
 * until the handshake is complete), so `$connect` hands the frame to the fan-out worker
 * (an asynchronous invoke), which posts it as soon as the connection accepts posts
 * (greet-connection.ts).
 */
import { PUSHER_ACTIVITY_TIMEOUT_SECONDS, PUSHER_ERROR_CODES, PUSHER_EVENTS, PUSHER_PROTOCOL } from './protocol.js';
import { pusherFrame } from './codec.js';
import { socketIdOf } from './socket-id.js';

/** The frames a new connection must receive once it is open, and where. */
export interface Greeting {
  readonly connectionId: string;
  readonly endpoint: string;
  readonly frames: readonly string[];
  /** Epoch ms after which a post still answered 410 means the client is gone, not still connecting. */
  readonly notAfterMs: number;
}

/** Hands a greeting to whatever posts it once `$connect` is over (the fan-out worker). */
export interface ConnectionGreeter {
  greet(greeting: Greeting): Promise<void>;
}

/** How long a greeting keeps trying while the connection answers 410 (the handshake is still finishing). */
export const GREETING_WINDOW_MS = 5_000;

/** Whether a connect request is a Pusher client's: pusher-js always sends `protocol`. */
export function isPusherConnect(query: Readonly<Record<string, string | undefined>>): boolean {
  return query.protocol !== undefined;
}

/** `connection_established`, or the `pusher:error` a Pusher server answers an unusable protocol version with. */
export function greetingFrames(connectionId: string, protocol: string | undefined): string[] {
  if (protocol === undefined || protocol === '') return [errorFrame(PUSHER_ERROR_CODES.noProtocolVersion, 'No protocol version supplied')];
  if (!/^\d{1,3}$/.test(protocol)) return [errorFrame(PUSHER_ERROR_CODES.invalidVersion, `Invalid version string format: ${protocol.slice(0, 20)}`)];
  const version = Number(protocol);
  if (version < PUSHER_PROTOCOL.minimum || version > PUSHER_PROTOCOL.maximum) {
    return [errorFrame(PUSHER_ERROR_CODES.unsupportedProtocol, `Unsupported protocol version ${version}: this server speaks ${PUSHER_PROTOCOL.minimum} to ${PUSHER_PROTOCOL.maximum}`)];
  }
  return [pusherFrame(PUSHER_EVENTS.connectionEstablished, { socket_id: socketIdOf(connectionId), activity_timeout: PUSHER_ACTIVITY_TIMEOUT_SECONDS })];
}

/**
 * What Pusher's server answers a connect to a key it does not know, before it closes the
 * socket with the same code: pusher-js then reports the error and stops (4000–4099 are
 * "do not reconnect"), where a refused handshake would have it retry for ever.
 */
export function unknownAppKeyFrame(key: string): string {
  return errorFrame(PUSHER_ERROR_CODES.appDoesNotExist, `App key ${key.slice(0, 64)} not in this cluster. Did you forget to specify the cluster?`);
}

function errorFrame(code: number, message: string): string {
  return pusherFrame(PUSHER_EVENTS.error, { code, message });
}
