import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { errorReplyFor, eventsNamed, okReplyFor, type PresencePayload } from '../support/messages.js';
import { getItem, storedJson } from '../support/table-items.js';
import { connectionId, createHarness, responseMessages, TEST_ENDPOINT, type Harness, type HarnessOptions } from '../support/topicast-harness.js';

// A throwaway test key, not a secret of any deployment.
const SECRET = 'integration-test-hs256-secret-0123456789';
const verifier = new JwtVerifier({ secret: () => Promise.resolve(SECRET) });

let table: TestTable;

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table?.stop();
});

async function hs256(claims: JWTPayload, options: { secret?: string; expiresIn?: string | number; notBefore?: string | number } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  jwt = options.expiresIn === undefined ? jwt.setExpirationTime('1h') : jwt.setExpirationTime(options.expiresIn);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const base64url = (value: string) => Buffer.from(value).toString('base64url');
/** What the phoenix client sends for `authToken` (socket.js: btoa(token) without "="). */
const phoenixAuthProtocols = (token: string) => `phoenix, base64url.bearer.phx.${btoa(token).replace(/=/g, '')}`;

function harness(options: HarnessOptions['config'] = {}, extra: Omit<HarnessOptions, 'config'> = {}): Harness {
  return createHarness(table, { verifier, ...extra, config: options });
}

async function expectRefused(id: string, response: { statusCode: number }, status: 401 | 403): Promise<void> {
  expect(response.statusCode).toBe(status);
  expect(await getItem(table, { pk: `c#${id}`, sk: 'c' })).toBeUndefined();
}

describe('connect', () => {
  it('stores the connection with its endpoint, format and a TTL', async () => {
    // Prepare
    const h = harness();
    const id = connectionId('store');
    const before = Date.now();

    // Act
    const response = await h.connect(id);

    // Assess
    expect(response).toEqual({ statusCode: 200 });
    const item = await getItem(table, { pk: `c#${id}`, sk: 'c' });
    expect(item).toMatchObject({ pk: `c#${id}`, sk: 'c', connectionId: id, endpoint: TEST_ENDPOINT, format: 'native' });
    expect(item?.connectedAt as number).toBeGreaterThanOrEqual(before);
    expect(item?.connectedAt as number).toBeLessThanOrEqual(Date.now());
    const expectedExpiry = Math.floor(before / 1000) + 7500;
    expect(item?.expiresAt as number).toBeGreaterThanOrEqual(expectedExpiry);
    expect(item?.expiresAt as number).toBeLessThanOrEqual(expectedExpiry + 5);
    expect(item).not.toHaveProperty('identity');
  });

  describe('required auth', () => {
    const required = { auth: 'required' } as const;

    it('refuses a connect without a token with 401', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('none');

      // Act & Assess
      await expectRefused(id, await h.connect(id), 401);
    });

    it('refuses an empty ?token= with 401', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('empty');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { query: { token: '' } }), 401);
    });

    it.each([
      ['a bad signature', () => hs256({ sub: 'alice' }, { secret: 'another-secret-another-secret-12' })],
      ['an expired token', () => hs256({ sub: 'alice' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
      ['a token not valid before an hour from now', () => hs256({ sub: 'alice' }, { notBefore: '1h' })],
      ['a token without sub', () => hs256({ name: 'alice' })],
      ['a token with an empty sub', () => hs256({ sub: '' })],
      ['a malformed token', () => Promise.resolve('not-a-jwt')],
      ['a token with alg none', () => Promise.resolve(`${base64url('{"alg":"none","typ":"JWT"}')}.${base64url(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 }))}.`)],
      [
        'an RS256 token when only an HS256 secret is configured',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('1h').sign(privateKey);
        },
      ],
      [
        'an HS512 token signed with the right secret',
        () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET)),
      ],
    ])('refuses %s with 401', async (_name, token) => {
      // Prepare
      const h = harness(required);
      const id = connectionId('bad');

      // Act
      const response = await h.connect(id, { query: { token: await token() } });

      // Assess
      await expectRefused(id, response, 401);
      expect(h.logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    });

    it('accepts a valid token in ?token= and stores the identity', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('query');

      // Act
      const response = await h.connect(id, { query: { token: await hs256({ sub: 'alice', role: 'admin' }) } });

      // Assess
      expect(response).toEqual({ statusCode: 200 });
      const item = await getItem(table, { pk: `c#${id}`, sk: 'c' });
      expect(storedJson(item?.identity)).toMatchObject({ sub: 'alice', claims: { sub: 'alice', role: 'admin' } });
    });

    // Claims are the issuer's JSON; a number DynamoDB cannot hold as a number must not turn a valid token into a 500.
    it('accepts a valid token whose claims hold an integer above 2^53', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('bigclaim');

      // Act
      const response = await h.connect(id, { query: { token: await hs256({ sub: 'erin', legacy_id: 12345678901234567890 }) } });

      // Assess: connected, and known as erin (only erin may join user:erin)
      expect(response.statusCode).toBe(200);
      const join = await h.send(id, { action: 'join', topic: 'user:erin', ref: '1' });
      expect(join.statusCode).toBe(200);
      expect(h.sender.messagesFor(id)[0]).toEqual(okReplyFor('user:erin', '1'));
    });

    it('accepts a valid token in Sec-WebSocket-Protocol, as the phoenix client sends authToken, and echoes phoenix', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('proto');
      const token = await hs256({ sub: 'bob' });

      // Act
      const response = await h.connect(id, { headers: { 'Sec-WebSocket-Protocol': phoenixAuthProtocols(token) }, query: { vsn: '2.0.0' } });

      // Assess
      expect(response).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'phoenix' } });
      const item = await getItem(table, { pk: `c#${id}`, sk: 'c' });
      expect(item).toMatchObject({ format: 'phoenix' });
      expect(storedJson(item?.identity)).toMatchObject({ sub: 'bob' });
    });

    it('accepts the token subprotocol whatever padding btoa stripped', async () => {
      // Prepare: tokens of each length modulo 3, so base64 loses 0, 1 and 2 "=" characters
      const h = harness(required);
      const tokens: string[] = [];
      for (let i = 0; new Set(tokens.map((t) => t.length % 3)).size < 3; i += 1) {
        const token = await hs256({ sub: 'carol', pad: 'x'.repeat(i) });
        if (!tokens.some((t) => t.length % 3 === token.length % 3)) tokens.push(token);
      }

      // Act
      const results = [];
      for (const token of tokens) {
        const id = connectionId('pad');
        const response = await h.connect(id, { headers: { 'sec-websocket-protocol': phoenixAuthProtocols(token) } });
        results.push({ status: response.statusCode, item: await getItem(table, { pk: `c#${id}`, sk: 'c' }) });
      }

      // Assess
      expect(results).toHaveLength(3);
      for (const { status, item } of results) {
        expect(status).toBe(200);
        expect(storedJson(item?.identity)).toMatchObject({ sub: 'carol' });
      }
    });

    it('refuses a token subprotocol that is not base64 with 401', async () => {
      // Prepare
      const h = harness(required);
      const id = connectionId('notb64');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { headers: { 'Sec-WebSocket-Protocol': 'phoenix, base64url.bearer.phx.%%%' } }), 401);
    });

    it('refuses tokens when no verifier is configured', async () => {
      // Prepare
      const h = createHarness(table, { config: required });
      const id = connectionId('noverifier');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { query: { token: await hs256({ sub: 'alice' }) } }), 401);
    });
  });

  describe('subprotocols', () => {
    it('echoes phoenix when it was requested and nothing otherwise', async () => {
      // Prepare
      const h = harness();

      // Act
      const withPhoenix = await h.connect(connectionId('p'), { headers: { 'Sec-WebSocket-Protocol': 'phoenix' } });
      const withoutPhoenix = await h.connect(connectionId('n'));

      // Assess
      expect(withPhoenix.headers).toEqual({ 'Sec-WebSocket-Protocol': 'phoenix' });
      expect(withoutPhoenix.headers).toBeUndefined();
    });
  });

  describe('origins', () => {
    const allowed = { allowedOrigins: ['https://app.example.com'] };

    it('refuses a foreign Origin with 403', async () => {
      // Prepare
      const h = harness(allowed);
      const id = connectionId('evil');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { headers: { Origin: 'https://evil.example.com' } }), 403);
    });

    it('checks the Origin before the token', async () => {
      // Prepare
      const h = harness({ ...allowed, auth: 'required' });
      const id = connectionId('evil2');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { headers: { origin: 'https://evil.example.com' }, query: { token: await hs256({ sub: 'alice' }) } }), 403);
    });

    it('accepts a listed Origin and a client that sends none', async () => {
      // Prepare
      const h = harness(allowed);

      // Act
      const listed = await h.connect(connectionId('ok'), { headers: { Origin: 'https://app.example.com' } });
      const none = await h.connect(connectionId('cli'));

      // Assess
      expect(listed.statusCode).toBe(200);
      expect(none.statusCode).toBe(200);
    });
  });

  describe('optional auth', () => {
    it('accepts a connect without a token as anonymous', async () => {
      // Prepare
      const h = harness({ auth: 'optional' });
      const id = connectionId('anon');

      // Act
      const response = await h.connect(id);

      // Assess
      expect(response.statusCode).toBe(200);
      const item = await getItem(table, { pk: `c#${id}`, sk: 'c' });
      expect(item).toBeDefined();
      expect(item).not.toHaveProperty('identity');
    });

    it('still verifies a token when one is given', async () => {
      // Prepare
      const h = harness({ auth: 'optional' });
      const id = connectionId('badopt');

      // Act & Assess
      await expectRefused(id, await h.connect(id, { query: { token: await hs256({ sub: 'alice' }, { secret: 'wrong-secret-wrong-secret-wrong!' }) } }), 401);
    });

    it('lets only alice join user:alice and user:alice:*', async () => {
      // Prepare
      const h = harness({ auth: 'optional' });
      const [alice, bob, anonymous] = [connectionId('alice'), connectionId('bob'), connectionId('anon')];
      await h.connect(alice, { query: { token: await hs256({ sub: 'alice' }) } });
      await h.connect(bob, { query: { token: await hs256({ sub: 'bob' }) } });
      await h.connect(anonymous);

      // Act
      const aliceJoin = await h.send(alice, { action: 'join', topic: 'user:alice', ref: '1' });
      const aliceInbox = await h.send(alice, { action: 'join', topic: 'user:alice:inbox', ref: '2' });
      const bobJoin = await h.send(bob, { action: 'join', topic: 'user:alice', ref: '3' });
      const bobInbox = await h.send(bob, { action: 'join', topic: 'user:alice:inbox', ref: '4' });
      const anonymousJoin = await h.send(anonymous, { action: 'join', topic: 'user:alice', ref: '5' });

      // Assess
      expect(aliceJoin.statusCode).toBe(200);
      expect(aliceInbox.statusCode).toBe(200);
      expect(h.sender.messagesFor(alice)).toEqual(expect.arrayContaining([okReplyFor('user:alice', '1'), okReplyFor('user:alice:inbox', '2')]));
      expect(responseMessages(bobJoin)).toEqual([errorReplyFor('user:alice', '3', 'unauthorized')]);
      expect(responseMessages(bobInbox)).toEqual([errorReplyFor('user:alice:inbox', '4', 'unauthorized')]);
      expect(responseMessages(anonymousJoin)).toEqual([errorReplyFor('user:alice', '5', 'unauthorized')]);
      expect(await getItem(table, { pk: 't#user:alice#0', sk: bob })).toBeUndefined();
      expect(await getItem(table, { pk: 't#user:alice#0', sk: anonymous })).toBeUndefined();
    });

    it('tracks presence by sub, so two tabs of one user share a key', async () => {
      // Prepare
      const h = harness({ auth: 'optional' });
      const [tab1, tab2] = [connectionId('tab1'), connectionId('tab2')];
      const token = await hs256({ sub: 'dora' });
      await h.connect(tab1, { query: { token } });
      await h.connect(tab2, { query: { token } });
      const topic = `room:tabs-${Date.now()}`;
      await h.send(tab1, { action: 'join', topic, payload: { meta: { tab: 1 } } });

      // Act
      await h.send(tab2, { action: 'join', topic, payload: { meta: { tab: 2 } } });

      // Assess
      const [state] = eventsNamed(h.sender.messagesFor(tab2), 'presence_state');
      expect(Object.keys(state?.payload as PresencePayload)).toEqual(['dora']);
      expect((state?.payload as PresencePayload).dora?.metas.map((m) => m.tab).sort()).toEqual([1, 2]);
    });

    it('enforces claim rules with the verified claims', async () => {
      // Prepare
      const h = harness({ auth: 'optional', topicRules: [{ pattern: 'admin:*', claims: { 'cognito:groups': ['admins'] } }] });
      const [admin, user] = [connectionId('admin'), connectionId('user')];
      await h.connect(admin, { query: { token: await hs256({ sub: 'root', 'cognito:groups': ['staff', 'admins'] }) } });
      await h.connect(user, { query: { token: await hs256({ sub: 'joe', 'cognito:groups': ['staff'] }) } });

      // Act
      const adminJoin = await h.send(admin, { action: 'join', topic: 'admin:panel', ref: '1' });
      const userJoin = await h.send(user, { action: 'join', topic: 'admin:panel', ref: '2' });

      // Assess
      expect(adminJoin.statusCode).toBe(200);
      expect(h.sender.messagesFor(admin)[0]).toEqual(okReplyFor('admin:panel', '1'));
      expect(responseMessages(userJoin)).toEqual([errorReplyFor('admin:panel', '2', 'unauthorized')]);
    });

    it("runs the topic's channel module join after the rules, with the module's own reason", async () => {
      // Prepare
      const closed = { topic: 'closed:*', join: () => ({ error: { reason: 'closed', message: 'closed for maintenance' } }) };
      const h = harness({ auth: 'optional' }, { channels: [closed] });
      const id = connectionId('module');
      await h.connect(id);

      // Act
      const refused = await h.send(id, { action: 'join', topic: 'closed:x', ref: '1' });

      // Assess
      expect(responseMessages(refused)).toEqual([
        { topic: 'closed:x', event: 'phx_reply', ref: '1', payload: { status: 'error', response: { reason: 'closed', message: 'closed for maintenance' } } },
      ]);
    });
  });

  describe('auth none', () => {
    it('ignores tokens entirely', async () => {
      // Prepare
      const h = harness({ auth: 'none' });
      const id = connectionId('none');

      // Act
      const response = await h.connect(id, { query: { token: 'garbage' } });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(await getItem(table, { pk: `c#${id}`, sk: 'c' })).not.toHaveProperty('identity');
    });
  });
});
