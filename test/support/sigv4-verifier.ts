/**
 * An independent SigV4 check for the requests tests receive (written from the AWS
 * documentation, not from either signer under test): the fan-out posts and the worker invokes.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** An independent SigV4 check written from the AWS documentation, not from either signer. */
export function verifySigV4(request: SignedRequest, secretAccessKey: string): { valid: boolean; region: string; service: string; signedHeaders: string[] } {
  const auth = String(request.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return { valid: false, region: '', service: '', signedHeaders: [] };
  const [, , date, region, service, signedHeaderList, signature] = match as unknown as string[];
  const signedHeaders = (signedHeaderList as string).split(';');
  const strictEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  // Each path segment is URI-encoded twice; the request line carries it encoded once.
  const canonicalUri = (request.url.split('?')[0] as string).split('/').map(strictEncode).join('/');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const canonicalRequest = [request.method, canonicalUri, '', canonicalHeaders, signedHeaderList, payloadHash].join('\n');
  const amzDate = String(request.headers['x-amz-date']);
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date as string), region as string), service as string), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return { valid: expected === signature, region: region as string, service: service as string, signedHeaders };
}

