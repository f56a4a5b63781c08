/**
 * The TLS certificate of the local runtime, made at start: functions reach the Management
 * API at `https://{domainName}/{stage}` as real code builds it, and `domainName` is
 * `127.0.0.1:<port>`. The certificate names 127.0.0.1 and localhost, is valid for a day,
 * and is trusted by the functions only (NODE_EXTRA_CA_CERTS in their environment); its key
 * never leaves this process's memory and a temporary file the process owns.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface LocalCertificate {
  readonly key: string;
  readonly cert: string;
  /** A file holding the certificate, for NODE_EXTRA_CA_CERTS. */
  readonly certFile: string;
}

export async function makeLocalCertificate(): Promise<LocalCertificate> {
  const pems = await makeCertificatePems(1);
  const certFile = join(mkdtempSync(join(tmpdir(), 'topicast-tls-')), 'local-runtime.pem');
  writeFileSync(certFile, pems.cert, { mode: 0o600 });
  return { ...pems, certFile };
}

/** A key and a self-signed certificate for 127.0.0.1 and localhost, valid for `days`. */
export async function makeCertificatePems(days: number): Promise<{ key: string; cert: string }> {
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'topicast local runtime' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + days * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
