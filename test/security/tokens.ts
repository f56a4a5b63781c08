/**
 * Tokens for the security tests, the good and the forged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface JwtOptions {
  /** Seconds from now; negative for an expired token; null for no `exp` at all. @default 3600 */
  readonly expiresIn?: number | null;
  /** Seconds from now for `nbf`. */
  readonly notBefore?: number;
  readonly alg?: string;
  readonly kid?: string;
}

const now = () => Math.floor(Date.now() / 1000);

/** An HS256 (or other HMAC) token signed with `secret`. */
export function jwtFor(secret: string | Uint8Array, claims: JWTPayload, options: JwtOptions = {}): Promise<string> {
  return sign(claims, typeof secret === 'string' ? new TextEncoder().encode(secret) : secret, { alg: 'HS256', ...options });
}

export function sign(claims: JWTPayload, key: CryptoKey | Uint8Array, options: JwtOptions & { alg: string }): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg, typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) }).setIssuedAt();
  const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
  if (expiresIn !== null) jwt = jwt.setExpirationTime(now() + expiresIn);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now() + options.notBefore);
  return jwt.sign(key);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `alg: none`: no signature at all, as the classic attack sends it. */
export function unsignedToken(claims: JWTPayload, alg = 'none'): string {
  return `${base64url({ alg, typ: 'JWT' })}.${base64url({ exp: now() + 3600, ...claims })}.`;
}

/** A token whose payload was edited after signing (same header and signature). */
export function tamperedToken(token: string, claims: JWTPayload): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const edited = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload), ...claims };
  return `${header}.${base64url(edited)}.${signature}`;
}

/** The Phoenix client's `authToken` subprotocol: base64 of the token, "=" stripped. */
export function tokenSubprotocol(token: string): string {
  return `base64url.bearer.phx.${Buffer.from(token).toString('base64url')}`;
}

export interface AsymmetricKey {
  readonly alg: 'RS256' | 'ES256';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The public key as PEM: what an algorithm-confusion attacker uses as an HMAC secret. */
  readonly publicPem: string;
}

export async function asymmetricKey(alg: 'RS256' | 'ES256', kid: string): Promise<AsymmetricKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const { createPublicKey } = await import('node:crypto');
  const publicPem = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { alg, kid, privateKey, publicJwk, publicPem };
}

export interface JwksServer {
  readonly url: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  close(): Promise<void>;
}

/** Serves `{ keys }` at /.well-known/jwks.json on 127.0.0.1, as Cognito or Auth0 do. */
/**
 * Serves the keys at /.well-known/jwks.json; over https with `tls` (the template runtime's
 * certificate, which its functions trust: the construct takes https JWKS URLs only).
 */
export async function serveJwks(keys: readonly JWK[], tls?: { readonly key: string; readonly cert: string }): Promise<JwksServer> {
  let fetches = 0;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  };
  const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
