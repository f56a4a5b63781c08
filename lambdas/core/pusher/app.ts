/**
 * The Pusher app a deployment speaks for: one app id, key and secret, as Pusher's dashboard
 * issues them. The wire-protocol side (channel auth) and the HTTP side (request signatures,
 * webhooks) both sign with the same secret, so they share this one shape.
 */
export interface PusherApp {
  readonly appId: string;
  readonly key: string;
  readonly secret: string;
}

/**
 * Environment variables that turn the Pusher protocol on (DESIGN.md, "Pusher protocol").
 * Deployed, the secret is not in the environment: the function reads it from Secrets Manager
 * by the ARN in `secretArn`, once per execution environment.
 */
export const PUSHER_ENVIRONMENT = {
  appId: 'TOPICAST_PUSHER_APP_ID',
  key: 'TOPICAST_PUSHER_KEY',
  secret: 'TOPICAST_PUSHER_SECRET',
  secretArn: 'TOPICAST_PUSHER_SECRET_ARN',
} as const;

/** Pusher's channel kinds, decided by the name's prefix; `private-encrypted-` is checked before `private-`. */
export type PusherChannelKind = 'public' | 'private' | 'presence' | 'private-encrypted';

/**
 * Pusher's cache channels (`cache-`, `private-cache-`, `private-encrypted-cache-`,
 * `presence-cache-`): refused, not served as plain channels, because their clients wait for
 * the last event or a `pusher:cache_miss` (docs/pusher.md says why topicast keeps no cache).
 */
export function isPusherCacheChannel(channel: string): boolean {
  return /^(private-encrypted-|private-|presence-)?cache-/.test(channel);
}

export const CACHE_CHANNELS_REFUSED =
  'cache- channels are not supported: topicast keeps no last event per channel (its history replays by seq, to clients that ask with `since`, on topics configured for it) and never sends pusher:cache_miss; use a public, private- or presence- channel and fetch the current state from your backend on subscription_succeeded';

export const pusherChannelKind = (channel: string): PusherChannelKind => {
  if (channel.startsWith('private-encrypted-')) return 'private-encrypted';
  if (channel.startsWith('private-')) return 'private';
  if (channel.startsWith('presence-')) return 'presence';
  return 'public';
};
