/**
 * AWS Signature Version 4 for the one request shape the fan-out sends: a POST with a
 * body, no query string, signing `host`, `x-amz-date` and (with temporary credentials)
 * `x-amz-security-token`. It produces the same headers, byte for byte, as the SDK's
 * `@smithy/signature-v4` with `applyChecksum: false` (a unit test holds it to that), at a
 * fraction of the CPU: the signing key is derived once per day and region, the date
 * strings once per second, and nothing else is allocated that the algorithm does not need.
 */
import { createHash, createHmac } from 'node:crypto';
import type { CredentialProvider, SigningCredentials } from './credentials.js';

/** Signs one POST; returns the headers to send (host, x-amz-date, token, authorization). */
export interface RequestSigner {
  sign(host: string, path: string, body: string): Promise<Record<string, string>>;
}

export type SignerFactory = (service: string, region: string, credentials: CredentialProvider) => RequestSigner;

export const leanSigner: SignerFactory = (service, region, credentials) => new LeanSigV4(service, region, credentials);

export class LeanSigV4 implements RequestSigner {
  private dateSecond = -1;
  protected longDate = '';
  private shortDate = '';
  private keyFor: { readonly credentials: SigningCredentials; readonly shortDate: string; readonly key: Buffer; readonly scope: string } | undefined;

  public constructor(
    private readonly service: string,
    private readonly region: string,
    protected readonly credentials: CredentialProvider,
    private readonly nowMs: () => number = Date.now,
  ) {}

  public async sign(host: string, path: string, body: string): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    this.tick();
    const { key, scope } = this.signingKey(credentials);
    const token = credentials.sessionToken;
    const signedHeaders = token ? 'host;x-amz-date;x-amz-security-token' : 'host;x-amz-date';
    const canonicalRequest =
      `POST\n${canonicalPath(path)}\n\nhost:${canonicalValue(host)}\nx-amz-date:${this.longDate}\n` +
      (token ? `x-amz-security-token:${canonicalValue(token)}\n` : '') +
      `\n${signedHeaders}\n${sha256Hex(body)}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${this.longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
    const headers: Record<string, string> = { host, 'x-amz-date': this.longDate };
    if (token) headers['x-amz-security-token'] = token;
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  /** Formats the dates once per second. */
  protected tick(): void {
    const now = this.nowMs();
    const second = Math.floor(now / 1000);
    if (second === this.dateSecond) return;
    this.dateSecond = second;
    // 2026-11-22T10:11:12.000Z -> 20261122T101112Z
    const iso = new Date(second * 1000).toISOString();
    this.longDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    this.shortDate = this.longDate.slice(0, 8);
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), once per day. */
  protected signingKey(credentials: SigningCredentials): { key: Buffer; scope: string } {
    const cached = this.keyFor;
    if (cached && cached.credentials === credentials && cached.shortDate === this.shortDate) return cached;
    let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(this.shortDate).digest();
    for (const part of [this.region, this.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    const entry = { credentials, shortDate: this.shortDate, key, scope: `${this.shortDate}/${this.region}/${this.service}/aws4_request` };
    this.keyFor = entry;
    return entry;
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Header values: line breaks and runs of blanks become one space, trimmed (as the SDK does). */
export function canonicalValue(value: string): string {
  return /[\r\n\t]| {2}|^ | $/.test(value) ? value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '') : value;
}

/**
 * Every service but S3 signs the path URI-encoded twice: normalize the segments, then
 * encode the already-encoded path once more, keeping the slashes.
 */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
