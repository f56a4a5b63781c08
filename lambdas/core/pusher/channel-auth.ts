/**
 * Pusher's channel authorization, checked as Pusher checks it: the app server signs
 * `socket_id:channel` (presence: `socket_id:channel:channel_data`) with the app secret,
 * HMAC-SHA256 in lower-case hex, and the client sends `auth = "<key>:<signature>"`.
 * The socket_id is the one of the connection the frame came from, never one the client
 * names, so an auth signed for another connection is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PusherApp } from './app.js';

export type ChannelAuthResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

export function signChannel(app: Pick<PusherApp, 'secret'>, socketId: string, channel: string, channelData?: string): string {
  const text = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return createHmac('sha256', app.secret).update(text, 'utf8').digest('hex');
}

export function verifyChannelAuth(app: PusherApp, socketId: string, channel: string, auth: unknown, channelData?: string): ChannelAuthResult {
  if (typeof auth !== 'string' || auth.length === 0) return { ok: false, message: `subscribing to ${channel} needs "auth" from your app's auth endpoint` };
  const separator = auth.indexOf(':');
  const key = separator < 0 ? '' : auth.slice(0, separator);
  if (key !== app.key) return { ok: false, message: 'invalid key in auth: expected "<app key>:<signature>"' };
  const given = Buffer.from(auth.slice(separator + 1), 'utf8');
  const expected = Buffer.from(signChannel(app, socketId, channel, channelData), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, message: `invalid signature: expected HMAC-SHA256 hex of "${socketId}:${channel}${channelData === undefined ? '' : ':<channel_data>'}" with the app secret` };
  }
  return { ok: true };
}
