/**
 * The identity the local runtimes of one user share (local-runtime/aws/local-identity.ts):
 * runtimes starting at the same moment agree on one certificate and one secret, a certificate
 * near its end is replaced, the folder is the user's alone; and role credentials derived from
 * one secret are the same in every runtime, different per function, and unknown to a runtime
 * with another secret.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLocalIdentity } from '../../local-runtime/aws/local-identity.js';
import { RoleCredentials } from '../../local-runtime/aws/role-credentials.js';
import { makeCertificatePems } from '../../local-runtime/gateway/local-certificate.js';

const folders: string[] = [];
function newFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'identity-test-')), 'local');
  folders.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('loadLocalIdentity', () => {
  it('gives runtimes starting at once one certificate and one secret, and the certificate file for NODE_EXTRA_CA_CERTS', async () => {
    const dir = newFolder();

    const loaded = await Promise.all(Array.from({ length: 4 }, () => loadLocalIdentity(dir)));

    expect(new Set(loaded.map((identity) => identity.secret)).size).toBe(1);
    expect(new Set(loaded.map((identity) => identity.certificate.cert)).size).toBe(1);
    const [first] = loaded;
    expect(readFileSync(first!.certificate.certFile, 'utf8')).toBe(first!.certificate.cert);
    expect(new X509Certificate(first!.certificate.cert).checkIP('127.0.0.1')).toBe('127.0.0.1');
    // Kept: the next start reads the same one.
    expect((await loadLocalIdentity(dir)).secret).toBe(first!.secret);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'identity.json')).mode & 0o777).toBe(0o600);
  });

  it('makes a new one when the certificate has less than a day left, or the file is unreadable', async () => {
    const dir = newFolder();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ending = await makeCertificatePems(0.5);
    writeFileSync(join(dir, 'identity.json'), JSON.stringify({ ...ending, secret: 'old' }), { mode: 0o600 });

    const renewed = await loadLocalIdentity(dir);

    expect(renewed.secret).not.toBe('old');
    expect(Date.parse(new X509Certificate(renewed.certificate.cert).validTo) - Date.now()).toBeGreaterThan(300 * 24 * 3600 * 1000);
    writeFileSync(join(dir, 'identity.json'), '{ not json');
    expect((await loadLocalIdentity(dir)).secret).not.toBe(renewed.secret);
  });

  it('closes a folder others could open', async () => {
    const dir = newFolder();
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);

    await loadLocalIdentity(dir);

    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe('RoleCredentials from one secret', () => {
  const role = 'arn:aws:iam::000000000000:role/Topicast-PushRole';

  it('issues the same credentials in every runtime with that secret, and others to each function', () => {
    const one = new RoleCredentials('shared secret').issue('Topicast-Push', role);
    const other = new RoleCredentials('shared secret');

    expect(other.issue('Topicast-Push', role)).toEqual(one);
    expect(other.callerOf(one.accessKeyId)).toEqual(one);
    const join = other.issue('Topicast-Join', role);
    expect(join.accessKeyId).not.toBe(one.accessKeyId);
    expect(join.secretAccessKey).not.toBe(one.secretAccessKey);
    expect(join.sessionToken).not.toBe(one.sessionToken);
  });

  it('gives a runtime with another secret other keys for the same function', () => {
    const one = new RoleCredentials('shared secret').issue('Topicast-Push', role);
    const stranger = new RoleCredentials('another secret').issue('Topicast-Push', role);

    expect(stranger.accessKeyId).toBe(one.accessKeyId);
    expect(stranger.secretAccessKey).not.toBe(one.secretAccessKey);
    expect(stranger.sessionToken).not.toBe(one.sessionToken);
  });
});
