import type { TopicastConfig } from '../config.js';
import { ConnectRefusedError } from '../errors.js';
import type { Identity } from '../identity.js';
import { PHOENIX_V2_VSN } from '../protocol/constants.js';
import type { Clock, RealtimeStore, TokenVerifier } from '../ports.js';
import { GREETING_WINDOW_MS, greetingFrames, isPusherConnect, type ConnectionGreeter } from '../pusher/greeting.js';
import type { Requester } from './requester.js';

/** Phoenix's `authToken` rides in Sec-WebSocket-Protocol, as browsers cannot set headers. */
export const PHOENIX_SUBPROTOCOL = 'phoenix';
export const AUTH_TOKEN_SUBPROTOCOL_PREFIX = 'base64url.bearer.phx.';

export interface ConnectRequest extends Requester {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
}

export interface ConnectResult {
  readonly identity: Identity | null;
  /** The subprotocol to echo; API Gateway fails the handshake if a requested one is not echoed. */
  readonly subprotocol: string | null;
}

export interface ConnectClientDependencies {
  readonly store: RealtimeStore;
  readonly config: TopicastConfig;
  readonly clock: Clock;
  readonly verifier?: TokenVerifier | undefined;
  /**
   * Set when the Pusher protocol is on: a connect with `?protocol=` is a Pusher client, whose
   * first frame this hands over to be posted once the handshake is complete.
   */
  readonly pusherGreeter?: ConnectionGreeter | undefined;
}

export async function connectClient(deps: ConnectClientDependencies, request: ConnectRequest): Promise<ConnectResult> {
  const { config } = deps;
  assertOriginAllowed(request.headers.origin, config.allowedOrigins);
  const subprotocols = parseSubprotocols(request.headers['sec-websocket-protocol']);
  const identity = await authenticate(deps, request.query.token ?? tokenFromSubprotocols(subprotocols));
  const connectedAt = deps.clock.nowMs();
  const greeter = deps.pusherGreeter;
  const pusher = greeter !== undefined && isPusherConnect(request.query);
  await deps.store.putConnection({
    connectionId: request.connectionId,
    endpoint: request.endpoint,
    identity,
    format: pusher ? 'pusher' : request.query.vsn === PHOENIX_V2_VSN ? 'phoenix' : 'native',
    connectedAt,
    expiresAt: Math.floor(connectedAt / 1000) + config.connectionTtlSeconds,
  });
  // After the row exists, so a subscribe the client sends on hearing it finds its connection.
  // A greeting that cannot be handed over fails the handshake: the client retries, where it
  // would otherwise wait for a frame that never comes.
  if (pusher) {
    await greeter.greet({ connectionId: request.connectionId, endpoint: request.endpoint, frames: greetingFrames(request.connectionId, request.query.protocol), notAfterMs: connectedAt + GREETING_WINDOW_MS });
  }
  return { identity, subprotocol: subprotocols.includes(PHOENIX_SUBPROTOCOL) ? PHOENIX_SUBPROTOCOL : null };
}

async function authenticate(deps: ConnectClientDependencies, token: string | null | undefined): Promise<Identity | null> {
  const mode = deps.config.auth;
  if (mode === 'none') return null;
  if (!token) {
    if (mode === 'required') throw new ConnectRefusedError(401, 'a token is required');
    return null;
  }
  if (!deps.verifier) throw new ConnectRefusedError(401, 'tokens cannot be verified: no secret or JWKS URL is configured');
  return deps.verifier.verify(token);
}

/**
 * A browser's Origin must be on the allowlist (cross-site WebSocket hijacking). Clients
 * that send no Origin are not browsers and could forge one anyway, so they pass.
 */
function assertOriginAllowed(origin: string | undefined, allowed: readonly string[]): void {
  if (allowed.length === 0 || origin === undefined) return;
  if (!allowed.includes(origin)) throw new ConnectRefusedError(403, `origin ${origin} is not allowed`);
}

export function parseSubprotocols(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
}

function tokenFromSubprotocols(subprotocols: readonly string[]): string | null {
  const encoded = subprotocols.find((p) => p.startsWith(AUTH_TOKEN_SUBPROTOCOL_PREFIX));
  if (!encoded) return null;
  // The phoenix client uses btoa() and strips "=": accept standard and URL-safe alphabets.
  const base64 = encoded.slice(AUTH_TOKEN_SUBPROTOCOL_PREFIX.length).replace(/-/g, '+').replace(/_/g, '/');
  try {
    return decodeBase64(base64);
  } catch {
    throw new ConnectRefusedError(401, 'the token subprotocol is not valid base64');
  }
}

function decodeBase64(base64: string): string {
  if (!/^[A-Za-z0-9+/]*$/.test(base64)) throw new Error('not base64');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
}
