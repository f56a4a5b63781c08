/**
 * SigV4 verification of requests from the functions: the runtime recomputes the signature
 * with the secret of the access key the request names (AWS's canonical request: method,
 * URI with each segment encoded again, sorted query, signed headers, payload hash). A
 * request signed with another secret, or altered after signing, is refused, as AWS refuses it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignatureScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

/** The scope named by the Authorization header, or undefined when the request is not SigV4-signed. */
export function signatureScope(headers: IncomingHttpHeaders): SignatureScope | undefined {
  const match = AUTHORIZATION.exec(String(headers.authorization ?? ''));
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

const strictEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function verifySignature(request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }, scope: SignatureScope, secretAccessKey: string): boolean {
  const [path = '/', query = ''] = request.url.split(/\?(.*)/s);
  // Services other than S3 sign each path segment encoded twice; the request line has it once.
  const canonicalUri = path.split('/').map(strictEncode).join('/');
  const canonicalQuery = query
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      return [strictEncode(decodeURIComponent(name)), strictEncode(decodeURIComponent(value.replace(/\+/g, '%20')))] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(',') : String(value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonicalHeaders = scope.signedHeaders.map((name) => `${name}:${header(name)}\n`).join('');
  const declaredHash = request.headers['x-amz-content-sha256'];
  const payloadHash = typeof declaredHash === 'string' && declaredHash === 'UNSIGNED-PAYLOAD' ? declaredHash : createHash('sha256').update(request.body).digest('hex');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, scope.signedHeaders.join(';'), payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', header('x-amz-date'), `${scope.date}/${scope.region}/${scope.service}/aws4_request`, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const expected = createHmac('sha256', signingKey(secretAccessKey, scope)).update(stringToSign).digest();
  return timingSafeEqual(expected, Buffer.from(scope.signature, 'hex'));
}

// The derived key changes only with the day, region and service: every post of a fan-out
// would otherwise pay four more HMACs (AWS's own signers keep it the same way).
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 1000;

function signingKey(secretAccessKey: string, scope: SignatureScope): Buffer {
  const id = `${secretAccessKey}\u0000${scope.date}\u0000${scope.region}\u0000${scope.service}`;
  let key = signingKeys.get(id);
  if (!key) {
    const hmac = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}
