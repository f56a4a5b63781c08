/**
 * When the key cannot be read (Secrets Manager fails, the JWKS endpoint is down or answers
 * garbage), a connect fails with 500, never 401 (the token may be fine) and never 200: the
 * client is told to retry, nothing is accepted unverified, and the next connect tries again.
 */
import type { Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';
import { ConnectRefusedError } from '../../lambdas/core/errors.js';
import { makeLocalCertificate } from '../../local-runtime/gateway/local-certificate.js';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { connectionId, createHarness } from '../support/topicast-harness.js';
import { asymmetricKey, jwtFor, sign, type AsymmetricKey } from './tokens.js';
import { connect } from './ws-client.js';

const SECRET = 'key-source-secret-0a1b2c3d4e5f';

let table: TestTable;
let rsa: AsymmetricKey;

beforeAll(async () => {
  table = await startTestTable();
  rsa = await asymmetricKey('RS256', 'k1');
});

afterAll(async () => {
  await table?.stop();
});

describe('key source failures', () => {
  it('a failing secret read answers 500, logs it, and is retried on the next connect', async () => {
    // Prepare: Secrets Manager fails once, then answers.
    let reads = 0;
    const verifier = new JwtVerifier({
      secret: async () => {
        reads += 1;
        if (reads === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return SECRET;
      },
    });
    const h = createHarness(table, { config: { auth: 'required' }, verifier });
    const token = await jwtFor(SECRET, { sub: 'alice' });

    // Act
    const first = await h.connect(connectionId('a'), { query: { token } });
    const second = await h.connect(connectionId('b'), { query: { token } });
    const third = await h.connect(connectionId('c'), { query: { token } });

    // Assess
    expect(first.statusCode).toBe(500);
    expect(h.logger.entries.filter((entry) => entry.level === 'error').map((entry) => entry.message)).toEqual(['connect failed']);
    expect(second.statusCode).toBe(200);
    expect(third.statusCode).toBe(200);
    expect(reads).toBe(2); // read once it succeeded, then kept
  });

  it('a failing secret read is not mistaken for a bad token by the verifier', async () => {
    // Prepare
    const verifier = new JwtVerifier({ secret: () => Promise.reject(new Error('AccessDeniedException')) });

    // Act
    const outcome = verifier.verify(await jwtFor(SECRET, { sub: 'alice' }));

    // Assess
    await expect(outcome).rejects.toThrow('AccessDeniedException');
    await expect(outcome).rejects.not.toBeInstanceOf(ConnectRefusedError);
  });
});

/**
 * One gateway for the JWKS cases (its URL is synthesized into the template): the endpoint
 * answers as each case sets, and is closed for the last one.
 */
describe('JWKS endpoint failures through the gateway', () => {
  let answer: (response: import('node:http').ServerResponse) => void = (response) => response.writeHead(500).end('unset');
  let server: Server;
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Over https, with the certificate the functions trust (the construct takes https JWKS URLs only).
    const certificate = await makeLocalCertificate();
    server = createTlsServer({ key: certificate.key, cert: certificate.cert }, (_request, response) => answer(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    gateway = await startGateway({ config: { auth: 'required' }, env: { TOPICAST_JWKS_URL: url }, certificate });
  });

  afterAll(async () => {
    await gateway?.end();
    if (server?.listening) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each<[string, (response: import('node:http').ServerResponse) => void]>([
    ['answers 500', (response) => response.writeHead(500).end('oops')],
    ['answers HTML', (response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>')],
    ['answers JSON that is not a key set', (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"no"}')],
  ])('a JWKS endpoint that %s fails the connect with 500 through the gateway', async (_name, answerWith) => {
    // Prepare
    answer = answerWith;

    // Act
    const outcome = await connect(gateway.url, { token: await sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid }) });

    // Assess
    expect(outcome).toMatchObject({ ok: false, status: 500 });
  });

  it('a JWKS endpoint that is not listening fails the connect with 500', async () => {
    // Prepare: nothing serves the URL's port any more.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const token = await sign({ sub: 'alice' }, rsa.privateKey, { alg: 'RS256', kid: rsa.kid });

    // Act & Assess
    expect(await connect(gateway.url, { token })).toMatchObject({ ok: false, status: 500 });
  });
});
