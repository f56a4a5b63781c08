/**
 * Authentication on connect, through what `npm start` runs (the template runtime) with real WebSocket clients: every
 * forged, stale or foreign connect fails the handshake with 401 or 403, as API Gateway
 * fails it when `$connect` refuses; good tokens connect by `?token=` and by the Phoenix
 * subprotocol, HS256 with a secret and RS256/ES256 with a JWKS URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';
import { tokenCommand } from '../../cli/token.js';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import { makeLocalCertificate } from '../../local-runtime/gateway/local-certificate.js';
import { asymmetricKey, jwtFor, serveJwks, sign, tamperedToken, tokenSubprotocol, unsignedToken, type AsymmetricKey, type JwksServer } from './tokens.js';
import { connect, connectOk, type ConnectOptions } from './ws-client.js';

const SECRET = 'security-test-secret-7f3a9c2e1b8d4f60';
const ORIGIN = 'https://app.example';

let hs: RunningGateway;
let rsa: AsymmetricKey;

beforeAll(async () => {
  rsa = await asymmetricKey('RS256', 'rsa-1');
  hs = await startGateway({ config: { auth: 'required', allowedOrigins: [ORIGIN] }, env: { TOPICAST_TOKEN_SECRET: SECRET } });
});

afterAll(async () => {
  await hs?.end();
});

/** The handshake's HTTP status (101 when it was accepted) and the refusal's body. */
async function handshake(gateway: RunningGateway, options: ConnectOptions): Promise<{ status: number; body: string }> {
  const outcome = await connect(gateway.url, options);
  if (outcome.ok) {
    await outcome.client.close();
    return { status: 101, body: '' };
  }
  return { status: outcome.status, body: outcome.body };
}

const statusOf = async (gateway: RunningGateway, options: ConnectOptions): Promise<number> => (await handshake(gateway, options)).status;

/** Connects, proves the connection works with a ping, and closes it. */
async function connectsAndAnswers(gateway: RunningGateway, options: ConnectOptions): Promise<void> {
  const client = await connectOk(gateway.url, options);
  const pong = await client.request({ action: 'ping', ref: 'p' });
  expect(pong.payload.status).toBe('ok');
  await client.close();
}

describe('authentication (auth: required, HS256 secret)', () => {
  const good = (claims: Record<string, unknown> = {}) => jwtFor(SECRET, { sub: 'alice', ...claims });

  it.each<[string, () => Promise<ConnectOptions>, string]>([
    ['no token at all', async () => ({}), 'a token is required'],
    ['an empty ?token=', async () => ({ query: { token: '' } }), 'a token is required'],
    ['a token that is not a JWT', async () => ({ token: 'not-a-jwt' }), 'malformed'],
    ['three dots of garbage', async () => ({ token: 'a.b.c' }), 'malformed'],
    ['a JWT with a header that is not JSON', async () => ({ token: `${Buffer.from('{nope').toString('base64url')}.e30.sig` }), 'malformed'],
    ['a JWT cut short (no signature part)', async () => ({ token: (await good()).split('.').slice(0, 2).join('.') }), 'malformed'],
    ['an expired token', async () => ({ token: await jwtFor(SECRET, { sub: 'alice' }, { expiresIn: -60 }) }), 'expired'],
    ['a token not valid before a minute from now (nbf)', async () => ({ token: await jwtFor(SECRET, { sub: 'alice' }, { notBefore: 60 }) }), 'not valid yet'],
    ['a token without exp (it would never expire)', async () => ({ token: await jwtFor(SECRET, { sub: 'alice' }, { expiresIn: null }) }), 'no expiry'],
    ['a token signed with another secret', async () => ({ token: await jwtFor('another-secret-of-the-same-length!!', { sub: 'alice' }) }), 'signature'],
    ['a token whose payload was edited after signing', async () => ({ token: tamperedToken(await good(), { sub: 'admin', role: 'admin' }) }), 'signature'],
    ['alg: none (unsigned)', async () => ({ token: unsignedToken({ sub: 'alice' }) }), 'algorithm none'],
    ['alg: None (unsigned, other spelling)', async () => ({ token: unsignedToken({ sub: 'alice' }, 'None') }), 'algorithm None'],
    ['alg: HS512 with the right secret (only HS256 is accepted)', async () => ({ token: await sign({ sub: 'alice' }, new TextEncoder().encode(SECRET), { alg: 'HS512' }) }), 'algorithm HS512'],
    ['an RS256 token while no JWKS URL is configured', async () => ({ token: await sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid }) }), 'algorithm RS256'],
    ['HS256 signed with an RSA public key PEM as the secret (algorithm confusion)', async () => ({ token: await jwtFor(rsa.publicPem, { sub: 'alice' }) }), 'signature'],
    ['a token without sub', async () => ({ token: await jwtFor(SECRET, { role: 'admin' }) }), 'no subject'],
    ['a token with an empty sub', async () => ({ token: await jwtFor(SECRET, { sub: '' }) }), 'no subject'],
    ['the token subprotocol with a value that is not base64', async () => ({ protocols: ['phoenix', 'base64url.bearer.phx.***'] }), 'not valid base64'],
    ['the token subprotocol carrying a forged token', async () => ({ protocols: ['phoenix', tokenSubprotocol(unsignedToken({ sub: 'alice' }))] }), 'algorithm none'],
  ])('refuses %s with 401', async (_name, options, why) => {
    // Act & Assess
    expect(await handshake(hs, await options())).toEqual({ status: 401, body: expect.stringContaining(why) });
  });

  it.each([
    ['a foreign Origin', 'https://evil.example'],
    ['a lookalike Origin', 'https://app.example.evil.example'],
    ['the Origin of a sandboxed page ("null")', 'null'],
    ['the allowed host over http', 'http://app.example'],
  ])('refuses %s with 403, even with a valid token (cross-site WebSocket hijacking)', async (_name, origin) => {
    // Act & Assess
    expect(await statusOf(hs, { token: await good(), headers: { Origin: origin } })).toBe(403);
  });

  it('refuses a foreign Origin with 403 before looking at the token', async () => {
    // Act & Assess
    expect(await statusOf(hs, { headers: { Origin: 'https://evil.example' } })).toBe(403);
  });

  it('says why in the refused handshake body, and never accepts the socket', async () => {
    // Act
    const before = hs.connections.size;
    const outcome = await connect(hs.url, { token: await jwtFor(SECRET, { sub: 'alice' }, { expiresIn: -60 }) });

    // Assess
    expect(outcome).toEqual({ ok: false, status: 401, body: expect.stringContaining('expired') });
    expect(hs.connections.size).toBe(before);
  });

  it('accepts a valid token in ?token=', async () => {
    // Act & Assess
    await connectsAndAnswers(hs, { token: await good() });
  });

  it('accepts a valid token in the Phoenix subprotocol and echoes "phoenix"', async () => {
    // Act
    const client = await connectOk(hs.url, { protocols: ['phoenix', tokenSubprotocol(await good())] });

    // Assess
    expect(client.ws.protocol).toBe('phoenix');
    expect((await client.request({ action: 'ping', ref: 'p' })).payload.status).toBe('ok');
    await client.close();
  });

  it('accepts a valid token from an allowed Origin, and from a client that sends none', async () => {
    // Act & Assess
    await connectsAndAnswers(hs, { token: await good(), headers: { Origin: ORIGIN } });
    await connectsAndAnswers(hs, { token: await good() });
  });

  it('accepts a token whose nbf has just passed and a token inside the clock tolerance', async () => {
    // Act & Assess
    await connectsAndAnswers(hs, { token: await jwtFor(SECRET, { sub: 'alice' }, { notBefore: -1 }) });
    await connectsAndAnswers(hs, { token: await jwtFor(SECRET, { sub: 'alice' }, { notBefore: 2 }) });
  });

  it('accepts the token `topicast token` prints for the same secret', async () => {
    // Prepare
    const token = await tokenCommand(['--sub', 'alice', '--ttl', '5m', '--claim', 'role=admin'], { TOPICAST_TOKEN_SECRET: SECRET });

    // Act
    const client = await connectOk(hs.url, { token });

    // Assess: the identity came through: alice's own topic is hers.
    expect((await client.join('user:alice')).status).toBe('ok');
    await client.close();
  });
});

describe('authentication (auth: optional)', () => {
  let optional: RunningGateway;

  beforeAll(async () => {
    optional = await startGateway({ config: { auth: 'optional' }, env: { TOPICAST_TOKEN_SECRET: SECRET } });
  });

  afterAll(async () => {
    await optional?.end();
  });

  it('lets a client without a token in, anonymously', async () => {
    // Act
    const client = await connectOk(optional.url);

    // Assess: anonymous, so no user topic.
    expect((await client.join('user:alice')).response.reason).toBe('unauthorized');
    await client.close();
  });

  it.each<[string, () => Promise<string>]>([
    ['expired', () => jwtFor(SECRET, { sub: 'alice' }, { expiresIn: -60 })],
    ['wrongly signed', () => jwtFor('wrong-secret', { sub: 'alice' })],
    ['unsigned', async () => unsignedToken({ sub: 'alice' })],
  ])('still refuses a bad token (%s) with 401 rather than downgrading it to anonymous', async (_name, token) => {
    // Act & Assess
    expect(await statusOf(optional, { token: await token() })).toBe(401);
  });
});

describe('authentication (auth: required, JWKS only)', () => {
  let jwks: JwksServer;
  let ec: AsymmetricKey;
  let stranger: AsymmetricKey;
  let asym: RunningGateway;

  beforeAll(async () => {
    ec = await asymmetricKey('ES256', 'ec-1');
    stranger = await asymmetricKey('RS256', 'rsa-1'); // same kid as the real key, other key material
    // Over https, with the certificate the functions trust (the construct takes https JWKS URLs only).
    const certificate = await makeLocalCertificate();
    jwks = await serveJwks([rsa.publicJwk, ec.publicJwk], certificate);
    asym = await startGateway({ config: { auth: 'required' }, env: { TOPICAST_JWKS_URL: jwks.url }, certificate });
  });

  afterAll(async () => {
    await asym?.end();
    await jwks?.close();
  });

  it('accepts an RS256 token signed by a key in the JWKS', async () => {
    // Act & Assess
    await connectsAndAnswers(asym, { token: await sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid }) });
    expect(jwks.fetches()).toBeGreaterThanOrEqual(1);
  });

  it('accepts an ES256 token signed by a key in the JWKS', async () => {
    // Act & Assess
    await connectsAndAnswers(asym, { token: await sign({ sub: 'alice' }, ec.privateKey, { alg: 'ES256', kid: ec.kid }) });
  });

  it.each<[string, () => Promise<string>, string]>([
    ['an RS256 token signed by a key not in the JWKS (same kid)', () => sign({ sub: 'alice' }, stranger.privateKey, { alg: 'RS256', kid: 'rsa-1' }), 'signature'],
    ['an RS256 token with an unknown kid', () => sign({ sub: 'alice' }, stranger.privateKey, { alg: 'RS256', kid: 'other' }), 'no key'],
    ['an expired RS256 token', () => sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid, expiresIn: -60 }), 'expired'],
    ['an RS256 token without exp', () => sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid, expiresIn: null }), 'no expiry'],
    // The stack always has a token secret (RealtimeApi's TokenSecret; npm start makes a value when TOPICAST_TOKEN_SECRET
    // is unset), so an HS256 token is checked against it and never against the JWKS keys: signed with anything else, the
    // RSA public key included, its signature fails. (A verifier with no secret at all refuses HS256 by algorithm: unit tests.)
    ['an HS256 token signed with a secret the stack does not hold', () => jwtFor(SECRET, { sub: 'alice' }), 'signature'],
    ['HS256 signed with the RSA public key PEM (algorithm confusion)', () => jwtFor(rsa.publicPem, { sub: 'alice' }, { kid: rsa.kid }), 'signature'],
    ['HS256 signed with the RSA public JWK as JSON (algorithm confusion)', () => jwtFor(JSON.stringify(rsa.publicJwk), { sub: 'alice' }, { kid: rsa.kid }), 'signature'],
    ['alg: none', async () => unsignedToken({ sub: 'alice' }), 'algorithm none'],
  ])('refuses %s with 401', async (_name, token, why) => {
    // Act & Assess
    expect(await handshake(asym, { token: await token() })).toEqual({ status: 401, body: expect.stringContaining(why) });
  });

  it.each<[string, () => Promise<string>]>([
    ['an HS256 token', () => jwtFor(SECRET, { sub: 'alice' })],
    ['HS256 signed with the RSA public key PEM (algorithm confusion)', () => jwtFor(rsa.publicPem, { sub: 'alice' }, { kid: rsa.kid })],
    ['HS256 signed with the RSA public JWK as JSON (algorithm confusion)', () => jwtFor(JSON.stringify(rsa.publicJwk), { sub: 'alice' }, { kid: rsa.kid })],
  ])('a verifier with a JWKS URL and no secret refuses %s by its algorithm', async (_name, token) => {
    // Prepare: what a function given a JWKS URL but no token secret builds (the stack always gives one).
    const verifier = new JwtVerifier({ jwksUrl: jwks.url });

    // Act & Assess
    await expect(verifier.verify(await token())).rejects.toMatchObject({ statusCode: 401, message: expect.stringContaining('algorithm HS256') });
  });
});
