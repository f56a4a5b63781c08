import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { cachedCredentials, credentialsFromVariables, type SigningCredentials } from '../../lambdas/adapters/management-api/credentials.js';
import { regionOfHost } from '../../lambdas/adapters/management-api/signed-http-sender.js';
import { canonicalPath, LeanSigV4 } from '../../lambdas/adapters/management-api/sigv4.js';
import { HeaderSigV4 } from '../../lambdas/adapters/eventbridge/header-signer.js';
import { SmithySigV4 } from '../../bench/reference/smithy-signer.js';

const KEYS: SigningCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION: SigningCredentials = { ...KEYS, sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token=' };

async function bothSign(credentials: SigningCredentials, region: string, host: string, path: string, body: string, at: Date) {
  const provider = async () => credentials;
  const lean = await new LeanSigV4('execute-api', region, provider, () => at.getTime()).sign(host, path, body);
  const smithy = await new SmithySigV4('execute-api', region, provider, () => at).sign(host, path, body);
  return { lean, smithy };
}

describe('lean SigV4 signer', () => {
  it('signs exactly as @smithy/signature-v4 does, with and without a session token', async () => {
    // Prepare
    const at = new Date('2026-11-22T10:11:12.345Z');

    for (const credentials of [KEYS, SESSION]) {
      // Act
      const { lean, smithy } = await bothSign(credentials, 'eu-west-1', 'abc123.execute-api.eu-west-1.amazonaws.com', '/prod/@connections/L0SM9cOFvHcCIhw%3D', '{"a":1}', at);

      // Assess
      expect(lean).toEqual(smithy);
      expect(lean.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261122\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-date(;x-amz-security-token)?, Signature=[0-9a-f]{64}$/);
      expect(lean['x-amz-date']).toBe('20261122T101112Z');
    }
  });

  it('matches the SDK signer for any connection id, body, stage and date', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ maxLength: 200 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        fc.boolean(),
        async (connectionId, body, stage, at, withToken) => {
          const path = `/${stage}/@connections/${encodeURIComponent(connectionId)}`;
          const { lean, smithy } = await bothSign(withToken ? SESSION : KEYS, 'us-east-1', 'localhost:3001', path, body, at);
          expect(lean).toEqual(smithy);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('signs extra headers, as a JSON-protocol request (EventBridge PutEvents) carries them, exactly as @smithy/signature-v4 does', async () => {
    // Prepare
    const at = new Date('2026-11-28T23:59:59.999Z');
    const extra = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };

    for (const credentials of [KEYS, SESSION]) {
      // Act
      const provider = async () => credentials;
      const body = '{"Entries":[{"Source":"topicast","DetailType":"joined","Detail":"{}"}]}';
      const lean = await new HeaderSigV4('events', 'eu-west-1', provider, () => at.getTime()).sign('events.eu-west-1.amazonaws.com', '/', body, extra);
      const smithy = await new SmithySigV4('events', 'eu-west-1', provider, () => at).sign('events.eu-west-1.amazonaws.com', '/', body, extra);

      // Assess
      expect(lean).toEqual(smithy);
      expect(lean.authorization).toContain(`SignedHeaders=content-type;host;x-amz-date;${credentials.sessionToken ? 'x-amz-security-token;' : ''}x-amz-target,`);
    }
  });

  it('double-encodes the path as every service but S3 expects', () => {
    // Act & Assess: the id was URL-encoded once in the request path; the canonical path encodes it again
    expect(canonicalPath('/prod/@connections/a%3Db%2Bc%2Fd')).toBe('/prod/%40connections/a%253Db%252Bc%252Fd');
    expect(canonicalPath('/@connections/x')).toBe('/%40connections/x');
  });

  it('reads the region from execute-api hosts only', () => {
    // Act & Assess
    expect(regionOfHost('abc123.execute-api.eu-central-1.amazonaws.com')).toBe('eu-central-1');
    expect(regionOfHost('abc123.execute-api.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionOfHost('ws.example.com')).toBeUndefined();
    expect(regionOfHost('127.0.0.1')).toBeUndefined();
  });

  it('derives a new signing key when the day or the credentials change', async () => {
    // Prepare
    let now = Date.parse('2026-11-22T23:59:59Z');
    let credentials: SigningCredentials = KEYS;
    const lean = new LeanSigV4('execute-api', 'us-east-1', async () => credentials, () => now);
    const reference = (at: number) => new SmithySigV4('execute-api', 'us-east-1', async () => credentials, () => new Date(at));

    // Act & Assess: across midnight
    expect(await lean.sign('h', '/p/@connections/x', 'b')).toEqual(await reference(now).sign('h', '/p/@connections/x', 'b'));
    now += 2000;
    expect(await lean.sign('h', '/p/@connections/x', 'b')).toEqual(await reference(now).sign('h', '/p/@connections/x', 'b'));

    // Act & Assess: rotated credentials
    credentials = { accessKeyId: 'AKIDROTATED', secretAccessKey: 'another-secret' };
    expect(await lean.sign('h', '/p/@connections/x', 'b')).toEqual(await reference(now).sign('h', '/p/@connections/x', 'b'));
  });
});

describe('signing credentials', () => {
  it('reads the variables Lambda sets, with the session token', () => {
    // Act
    const credentials = credentialsFromVariables({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });

    // Assess
    expect(credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token', expiration: undefined });
    expect(credentialsFromVariables({ AWS_ACCESS_KEY_ID: 'AKID' })).toBeUndefined();
  });

  it('resolves once and shares the result until shortly before expiry', async () => {
    // Prepare
    let now = 0;
    let calls = 0;
    const provider = cachedCredentials(
      async () => {
        calls += 1;
        return { accessKeyId: `AKID${calls}`, secretAccessKey: 's', expiration: new Date(now + 60 * 60 * 1000) };
      },
      { nowMs: () => now, refreshBeforeMs: 5 * 60 * 1000 },
    );

    // Act
    const first = await Promise.all([provider(), provider(), provider()]);
    now += 50 * 60 * 1000;
    const stillCached = await provider();
    now += 6 * 60 * 1000;
    const refreshed = await provider();

    // Assess
    expect(first.map((c) => c.accessKeyId)).toEqual(['AKID1', 'AKID1', 'AKID1']);
    expect(stillCached.accessKeyId).toBe('AKID1');
    expect(refreshed.accessKeyId).toBe('AKID2');
    expect(calls).toBe(2);
  });

  it('does not cache a failure', async () => {
    // Prepare
    let calls = 0;
    const provider = cachedCredentials(async () => {
      calls += 1;
      if (calls === 1) throw new Error('metadata service unavailable');
      return { accessKeyId: 'AKID', secretAccessKey: 's' };
    });

    // Act & Assess
    await expect(provider()).rejects.toThrow('metadata service unavailable');
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKID' });
  });
});
