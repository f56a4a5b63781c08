/**
 * One POST of a signed JSON body (the AWS JSON 1.0 and 1.1 protocols: SQS, EventBridge)
 * over node:http(s), for the adapters that sign their own requests with the repo's SigV4
 * signer instead of bundling an SDK client. retrying-post.ts adds the SDK's retries to it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonResponse {
  readonly status: number;
  readonly body: string;
}

/** One POST of a JSON body; rejects when nothing came back (a socket error, the timeout). */
export type JsonPost = (url: URL, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number) => Promise<JsonResponse>;

export const postJson: JsonPost = (url, headers, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const request = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    // Named as the SDK names it, so that the retry counts it as transient.
    request.on('timeout', () => request.destroy(Object.assign(new Error(`POST ${url.host} timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(body);
  });
