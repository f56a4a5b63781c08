/**
 * Pusher's HTTP API request signature, verified as Pusher verifies it
 * (pusher.com/docs/channels/library_auth_reference/rest-api#authentication): the query
 * holds `auth_key`, `auth_timestamp`, `auth_version` ("1.0"), `body_md5` (hex MD5 of a
 * non-empty body) and `auth_signature` = hex HMAC-SHA256(secret, "METHOD\npath\nquery"),
 * where query is every other parameter, keys lower-cased and sorted, `key=value` joined
 * with `&`, values as sent (not URL-encoded: that is how the SDKs sign them). A timestamp
 * more than 600 s from the server's clock is refused, as Pusher refuses it, so a captured
 * request cannot be replayed later. Pure: the clock is an argument.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { PusherApp } from './app.js';

/** Pusher's window: a request signed more than this many seconds before or after the server's clock is refused. */
export const PUSHER_TIMESTAMP_GRACE_SECONDS = 600;

export const PUSHER_AUTH_VERSION = '1.0';

/** Why a request was refused; the HTTP status is 401 for each, as Pusher answers. */
export type SignatureRefusal =
  | 'missing_auth_params'
  | 'unknown_auth_key'
  | 'unsupported_auth_version'
  | 'stale_timestamp'
  | 'invalid_body_md5'
  | 'invalid_signature';

export interface SignedRequest {
  /** Upper case, as sent. */
  readonly method: string;
  /** The path the client signed, e.g. `/apps/1/events` (no query). */
  readonly path: string;
  /** Decoded query parameters, in the order received (a repeated key is refused elsewhere). */
  readonly query: readonly (readonly [string, string])[];
  /** The raw body, as received. */
  readonly body: string;
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: SignatureRefusal; readonly message: string };

/** Hex HMAC-SHA256 of `text` with the app secret: request signatures and webhook signatures alike. */
export function pusherHmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/** The string a request's signature covers. */
export function stringToSign(request: Pick<SignedRequest, 'method' | 'path' | 'query'>): string {
  const params = request.query
    .filter(([key]) => key.toLowerCase() !== 'auth_signature')
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  return `${request.method.toUpperCase()}\n${request.path}\n${params}`;
}

export function verifyPusherSignature(app: PusherApp, request: SignedRequest, nowSeconds: number): SignatureCheck {
  const param = (name: string) => request.query.find(([key]) => key.toLowerCase() === name)?.[1];
  const authKey = param('auth_key');
  const timestamp = param('auth_timestamp');
  const version = param('auth_version');
  const signature = param('auth_signature');
  if (authKey === undefined || timestamp === undefined || version === undefined || signature === undefined) {
    return refuse('missing_auth_params', 'the request must be signed: auth_key, auth_timestamp, auth_version and auth_signature are required query parameters');
  }
  if (authKey !== app.key) return refuse('unknown_auth_key', 'unknown auth_key: it is not the key of this app');
  if (version !== PUSHER_AUTH_VERSION) return refuse('unsupported_auth_version', `auth_version must be "${PUSHER_AUTH_VERSION}"`);
  const signedAt = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(signedAt) || Math.abs(nowSeconds - signedAt) > PUSHER_TIMESTAMP_GRACE_SECONDS) {
    return refuse('stale_timestamp', `auth_timestamp ${timestamp} is not within ${PUSHER_TIMESTAMP_GRACE_SECONDS} s of the server's time (${Math.floor(nowSeconds)}); check the clock of the signing host`);
  }
  const bodyMd5 = param('body_md5');
  if (request.body.length > 0 || bodyMd5 !== undefined) {
    const expected = createHash('md5').update(request.body, 'utf8').digest('hex');
    if (bodyMd5 === undefined || !sameHex(bodyMd5, expected)) return refuse('invalid_body_md5', 'body_md5 must be the hex MD5 of the request body');
  }
  if (!sameHex(signature, pusherHmac(app.secret, stringToSign(request)))) {
    return refuse('invalid_signature', 'invalid signature: auth_signature must be the hex HMAC-SHA256, with the app secret, of "METHOD\\npath\\nsorted query"');
  }
  return { ok: true };
}

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(reason: SignatureRefusal, message: string): SignatureCheck {
  return { ok: false, reason, message };
}
