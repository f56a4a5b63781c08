/**
 * `$connect` refusals fail the WebSocket handshake with the HTTP status the handler
 * returned, as API Gateway does: 401 without (or with a bad) token when auth is required,
 * 403 for an origin not on the allowlist. Nothing is stored for a refused connection.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import type { TestTable } from '../support/dynalite.js';
import { connectionIdOf, gatewayTable, uniqueTopic } from '../support/local-gateway.js';
import { scanTable } from '../support/table-items.js';
import { expectHandshakeFailure, openClient } from '../support/ws-client.js';

const SECRET = 'e2e-handshake-secret-that-is-long-enough';
let authGateway: RunningGateway;
let originGateway: RunningGateway;
let authTable: TestTable;

beforeAll(async () => {
  [authGateway, originGateway] = await Promise.all([
    startTestGateway({ config: { auth: 'required' }, env: { TOPICAST_TOKEN_SECRET: SECRET } }),
    startTestGateway({ config: { allowedOrigins: ['https://ok.example'] } }),
  ]);
  authTable = gatewayTable(authGateway);
});

afterAll(async () => {
  await authTable?.stop();
  await Promise.all([authGateway?.end(), originGateway?.end()]);
});

function token(claims: Record<string, unknown>, expiresIn = '5m', secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}

describe('handshake refusals with auth: required', () => {
  it('refuses a connect without a token with HTTP 401 and stores nothing', async () => {
    // Prepare
    const itemsBefore = (await scanTable(authTable)).length;

    // Act
    const failure = await expectHandshakeFailure(authGateway.url);

    // Assess
    expect(failure.statusCode).toBe(401);
    expect(failure.body).toMatch(/token/i);
    expect(authGateway.connections.size).toBe(0);
    expect((await scanTable(authTable)).length).toBe(itemsBefore);
  });

  it.each([
    ['a malformed token', () => Promise.resolve('not-a-jwt')],
    ['a token signed with another secret', () => token({ sub: 'mallory' }, '5m', 'another-secret-of-sufficient-length!')],
    ['an expired token', () => token({ sub: 'alice' }, '-1m')],
    ['a token without sub', () => token({ role: 'user' })],
  ])('refuses %s with HTTP 401', async (_name, make) => {
    // Act
    const failure = await expectHandshakeFailure(authGateway.url, { path: `/?token=${encodeURIComponent(await make())}` });

    // Assess
    expect(failure.statusCode).toBe(401);
  });

  it('accepts a valid token in ?token= and tracks presence under its sub', async () => {
    // Prepare
    const topic = uniqueTopic();

    // Act
    const client = await openClient(authGateway.url, { path: `/?token=${await token({ sub: 'alice' })}` });

    // Assess
    await client.join(topic, { meta: { device: 'laptop' } });
    const state = await client.nextEvent('presence_state');
    expect(state.payload).toEqual({ alice: { metas: [{ device: 'laptop', phx_ref: expect.any(String) }] } });
    expect(connectionIdOf(authGateway, client)).not.toBe('alice');
    await client.close();
  });

  it('accepts a valid token in Sec-WebSocket-Protocol, as the phoenix client sends authToken', async () => {
    // Prepare
    const encoded = Buffer.from(await token({ sub: 'bob' })).toString('base64url');

    // Act
    const client = await openClient(authGateway.url, { protocols: ['phoenix', `base64url.bearer.phx.${encoded}`] });

    // Assess
    expect(client.socket.protocol).toBe('phoenix');
    expect(await client.ping()).toMatchObject({ payload: { status: 'ok' } });
    await client.close();
  });
});

describe('handshake refusals with allowed origins', () => {
  it('refuses a foreign Origin with HTTP 403', async () => {
    // Act
    const failure = await expectHandshakeFailure(originGateway.url, { origin: 'https://evil.example' });

    // Assess
    expect(failure.statusCode).toBe(403);
    expect(originGateway.connections.size).toBe(0);
  });

  it('accepts an allowed Origin', async () => {
    // Act
    const client = await openClient(originGateway.url, { origin: 'https://ok.example' });

    // Assess
    expect(await client.ping()).toMatchObject({ payload: { status: 'ok' } });
    await client.close();
  });

  it('accepts a client that sends no Origin (not a browser)', async () => {
    // Act
    const client = await openClient(originGateway.url);

    // Assess
    expect(client.isOpen).toBe(true);
    await client.close();
  });
});
