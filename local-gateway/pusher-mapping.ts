/**
 * The custom domain's `app/{key}` API mapping (the construct's `pusher` prop), as the local
 * gateway reproduces it: pusher-js connects to `/app/{key}`, and on AWS only the app's own
 * key is mapped to the stage, so a connect to another key never reaches `$connect`. API
 * Gateway answers an unmapped path on a custom domain with 403 Forbidden; so does this.
 * Any other path is accepted, as the local gateway always has.
 */
import { PUSHER_ENVIRONMENT } from '../lambdas/core/pusher/app.js';
import type { Environment } from '../lambdas/composition/environment/shared.js';

const APP_PATH = /^\/app\/([^/?]*)/;

/** The handshake refusal for `url`, or null when the path is mapped (or is not a Pusher app path). */
export function unmappedPusherPath(url: string | undefined, env: Environment): { statusCode: 403; body: string } | null {
  const key = env[PUSHER_ENVIRONMENT.key];
  const match = APP_PATH.exec(url ?? '');
  if (!key || !match || decodeURIComponent(match[1] ?? '') === key) return null;
  return { statusCode: 403, body: '{"message":"Forbidden"}' };
}
