/**
 * SigV4 for a POST that carries headers of its own, as JSON-protocol services read them
 * (EventBridge: `x-amz-target`, `content-type`): the lean signer's key and date caching,
 * every header signed and sorted into the canonical request. Same output as
 * `@smithy/signature-v4` (a unit test holds it to that). Kept apart from the fan-out's
 * signer, whose hot path signs fixed headers; the route functions use it for the worker
 * invoke (Lambda's `x-amz-invocation-type`, lambda-fanout-dispatcher.ts).
 */
import { createHmac } from 'node:crypto';
import type { CredentialProvider } from '../management-api/credentials.js';
import { canonicalPath, canonicalValue, LeanSigV4, sha256Hex } from '../management-api/sigv4.js';

export interface HeaderSigner {
  /** The headers to send: `headers` (lower-case names), host, x-amz-date, token, authorization. */
  sign(host: string, path: string, body: string, headers: Readonly<Record<string, string>>): Promise<Record<string, string>>;
}

export type HeaderSignerFactory = (service: string, region: string, credentials: CredentialProvider) => HeaderSigner;

export const headerSigner: HeaderSignerFactory = (service, region, credentials) => new HeaderSigV4(service, region, credentials);

export class HeaderSigV4 extends LeanSigV4 implements HeaderSigner {
  public override async sign(host: string, path: string, body: string, extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    this.tick();
    const { key, scope } = this.signingKey(credentials);
    const headers: Record<string, string> = { ...extra, host, 'x-amz-date': this.longDate };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const signedHeaders = names.join(';');
    const canonicalHeaders = names.map((name) => `${name}:${canonicalValue(headers[name] as string)}\n`).join('');
    const canonicalRequest = `POST\n${canonicalPath(path)}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(body)}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${this.longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }
}
