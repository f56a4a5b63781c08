/**
 * A connect to `/app/{key}` with another key than the app's, when the Pusher protocol is on.
 * The gateway answers it as Pusher's server does: it accepts the socket, sends `pusher:error`
 * code 4001 and closes with 4001, so pusher-js reports the wrong key and stops instead of
 * retrying a refused handshake for ever. Deployed, the custom domain maps `app/{key}` for the
 * app's key only, and API Gateway refuses any other path with 403 before a function runs
 * (docs/pusher.md says why that stays). Any other path is accepted, as the local gateway
 * always has.
 */
import { unknownAppKeyFrame } from '../lambdas/core/pusher/greeting.js';
import { PUSHER_ERROR_CODES } from '../lambdas/core/pusher/protocol.js';

const APP_PATH = /^\/app\/([^/?]*)/;

/** The key a connect asks for when it is not the app's, or null (the app's key, or not a Pusher app path). */
export function unknownPusherKey(url: string | undefined, key: string): string | null {
  const match = APP_PATH.exec(url ?? '');
  if (!match) return null;
  let asked: string;
  try {
    asked = decodeURIComponent(match[1] ?? '');
  } catch {
    asked = match[1] ?? '';
  }
  return asked === key ? null : asked;
}

/** The runtime's `refuseConnect` for a Pusher app with this key: Pusher's 4001 for any other key. */
export function refuseUnknownPusherKey(key: string): (url: string | undefined) => { frame: string; code: number; reason: string } | undefined {
  return (url) => {
    const asked = unknownPusherKey(url, key);
    return asked === null ? undefined : { frame: unknownAppKeyFrame(asked), code: PUSHER_ERROR_CODES.appDoesNotExist, reason: 'App key not in this cluster' };
  };
}
