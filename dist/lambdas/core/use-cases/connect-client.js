import { ConnectRefusedError } from '../errors.js';
import { PHOENIX_V2_VSN } from '../protocol/constants.js';
/** Phoenix's `authToken` rides in Sec-WebSocket-Protocol, as browsers cannot set headers. */
export const PHOENIX_SUBPROTOCOL = 'phoenix';
export const AUTH_TOKEN_SUBPROTOCOL_PREFIX = 'base64url.bearer.phx.';
export async function connectClient(deps, request) {
    const { config } = deps;
    assertOriginAllowed(request.headers.origin, config.allowedOrigins);
    const subprotocols = parseSubprotocols(request.headers['sec-websocket-protocol']);
    const identity = await authenticate(deps, request.query.token ?? tokenFromSubprotocols(subprotocols));
    const connectedAt = deps.clock.nowMs();
    await deps.store.putConnection({
        connectionId: request.connectionId,
        endpoint: request.endpoint,
        identity,
        format: request.query.vsn === PHOENIX_V2_VSN ? 'phoenix' : 'native',
        connectedAt,
        expiresAt: Math.floor(connectedAt / 1000) + config.connectionTtlSeconds,
    });
    return { identity, subprotocol: subprotocols.includes(PHOENIX_SUBPROTOCOL) ? PHOENIX_SUBPROTOCOL : null };
}
async function authenticate(deps, token) {
    const mode = deps.config.auth;
    if (mode === 'none')
        return null;
    if (!token) {
        if (mode === 'required')
            throw new ConnectRefusedError(401, 'a token is required');
        return null;
    }
    if (!deps.verifier)
        throw new ConnectRefusedError(401, 'tokens cannot be verified: no secret or JWKS URL is configured');
    return deps.verifier.verify(token);
}
/**
 * A browser's Origin must be on the allowlist (cross-site WebSocket hijacking). Clients
 * that send no Origin are not browsers and could forge one anyway, so they pass.
 */
function assertOriginAllowed(origin, allowed) {
    if (allowed.length === 0 || origin === undefined)
        return;
    if (!allowed.includes(origin))
        throw new ConnectRefusedError(403, `origin ${origin} is not allowed`);
}
export function parseSubprotocols(header) {
    if (!header)
        return [];
    return header.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
}
function tokenFromSubprotocols(subprotocols) {
    const encoded = subprotocols.find((p) => p.startsWith(AUTH_TOKEN_SUBPROTOCOL_PREFIX));
    if (!encoded)
        return null;
    // The phoenix client uses btoa() and strips "=": accept standard and URL-safe alphabets.
    const base64 = encoded.slice(AUTH_TOKEN_SUBPROTOCOL_PREFIX.length).replace(/-/g, '+').replace(/_/g, '/');
    try {
        return decodeBase64(base64);
    }
    catch {
        throw new ConnectRefusedError(401, 'the token subprotocol is not valid base64');
    }
}
function decodeBase64(base64) {
    if (!/^[A-Za-z0-9+/]*$/.test(base64))
        throw new Error('not base64');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
}
