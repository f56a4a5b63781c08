/**
 * A connect to `/app/{key}` with another key than the app's, when the Pusher protocol is on.
 * The gateway answers it as Pusher's server does: it accepts the socket, sends `pusher:error`
 * code 4001 and closes with 4001, so pusher-js reports the wrong key and stops instead of
 * retrying a refused handshake for ever. Deployed, the custom domain maps `app/{key}` for the
 * app's key only, and API Gateway refuses any other path with 403 before a function runs
 * (docs/pusher.md says why that stays). Any other path is accepted, as the local gateway
 * always has.
 */
import { PUSHER_ENVIRONMENT } from '../lambdas/core/pusher/app.js';
import type { Environment } from '../lambdas/composition/environment/shared.js';

const APP_PATH = /^\/app\/([^/?]*)/;

/** The key a connect asks for when it is not the app's, or null (the app's key, or not a Pusher app path). */
export function unknownPusherKey(url: string | undefined, env: Environment): string | null {
  const key = env[PUSHER_ENVIRONMENT.key];
  const match = APP_PATH.exec(url ?? '');
  if (!key || !match) return null;
  let asked: string;
  try {
    asked = decodeURIComponent(match[1] ?? '');
  } catch {
    asked = match[1] ?? '';
  }
  return asked === key ? null : asked;
}
