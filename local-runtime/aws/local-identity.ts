/**
 * What the local runtimes of one user on one machine share: the TLS certificate their ports
 * serve (and their functions trust), and the secret their role credentials derive from.
 * Runtimes on one DynamoDB store then reach each other's connections as the stages of one
 * API Gateway account do: a function of one runtime posts to the endpoint a connection row
 * of another recorded, over TLS that it trusts, signed with credentials the other knows
 * (the same template gives the same roles and access keys). A backend outside the functions
 * trusts the same certificate file and signs with the operator's credentials.
 *
 * Kept in one file, `identity.json`, in a folder only this user may open
 * (`$TMPDIR/topicast-local-<uid>`, mode 0700, checked): written once, atomically (a second
 * runtime starting at the same moment reads the first one's), and made again when its
 * certificate has less than a day left. The certificate is copied to `tls-cert.pem` beside
 * it, for NODE_EXTRA_CA_CERTS.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificatePems, type LocalCertificate } from '../gateway/local-certificate.js';

export interface LocalIdentity {
  /** The folder holding it. */
  readonly dir: string;
  readonly certificate: LocalCertificate;
  /** What the role credentials derive from (RoleCredentials). */
  readonly secret: string;
}

interface StoredIdentity {
  readonly key: string;
  readonly cert: string;
  readonly secret: string;
}

const CERTIFICATE_DAYS = 365;
const RENEW_BEFORE_MS = 24 * 3600 * 1000;

/** `$TMPDIR/topicast-local-<uid>` (`TOPICAST_LOCAL_IDENTITY_DIR` overrides it). */
export function defaultIdentityDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.TOPICAST_LOCAL_IDENTITY_DIR ?? join(tmpdir(), `topicast-local-${process.getuid?.() ?? 'user'}`);
}

/** The identity kept in `dir`, made there first if it is missing or its certificate ends within a day. */
export async function loadLocalIdentity(dir: string = defaultIdentityDir()): Promise<LocalIdentity> {
  privateFolder(dir);
  const file = join(dir, 'identity.json');
  const found = readText(file);
  let stored = found === undefined ? undefined : parseStored(found);
  if (!stored || !lastsADay(stored.cert)) {
    const made: StoredIdentity = { ...(await makeCertificatePems(CERTIFICATE_DAYS)), secret: randomBytes(32).toString('base64url') };
    const draft = join(dir, `identity.${process.pid}.${randomBytes(4).toString('hex')}.json`);
    writeFileSync(draft, JSON.stringify(made), { mode: 0o600 });
    try {
      // A stale or unreadable one is replaced.
      if (found !== undefined) rmSync(file, { force: true });
      // link() fails when another runtime wrote its identity first: then that one is used.
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(draft, { force: true });
    }
    stored = readStored(file);
    if (!stored) throw new Error(`the local runtime's identity in ${file} could not be read after writing it`);
  }
  const certFile = join(dir, 'tls-cert.pem');
  if (readText(certFile) !== stored.cert) {
    const draft = `${certFile}.${process.pid}`;
    writeFileSync(draft, stored.cert, { mode: 0o600 });
    renameSync(draft, certFile);
  }
  return { dir, certificate: { key: stored.key, cert: stored.cert, certFile }, secret: stored.secret };
}

/** Makes `dir` (0700) or checks that it is a folder of this user's that nobody else may open. */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    throw new Error(`${dir} is not a folder of this user's: the local runtime keeps its key and credentials there (set TOPICAST_LOCAL_IDENTITY_DIR to another folder)`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readStored(file: string): StoredIdentity | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseStored(text);
}

function parseStored(text: string): StoredIdentity | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<StoredIdentity>;
    return typeof parsed.key === 'string' && typeof parsed.cert === 'string' && typeof parsed.secret === 'string' ? (parsed as StoredIdentity) : undefined;
  } catch {
    return undefined;
  }
}

function lastsADay(cert: string): boolean {
  try {
    return Date.parse(new X509Certificate(cert).validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
