/**
 * The conventional transport, node:http / node:https over keep-alive agents: the reference
 * the lean pool is measured against in `npm run bench`. No Lambda imports it.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { TransportError, type ExchangeOptions, type ExchangeResult, type PostTarget, type PostTransport } from '../../lambdas/adapters/management-api/post-transport.js';

export class NodeHttpTransport implements PostTransport {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  public constructor(options: { maxSockets?: number } = {}) {
    const maxSockets = options.maxSockets ?? 64;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  }

  public post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, options: ExchangeOptions): Promise<ExchangeResult> {
    return new Promise<ExchangeResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (result: ExchangeResult | TransportError) => {
        clearTimeout(timer);
        if (result instanceof TransportError) reject(result);
        else resolve(result);
      };
      const request = (target.secure ? httpsRequest : httpRequest)(
        {
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: target.secure ? this.httpsAgent : this.httpAgent,
        },
        (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          const retryAfter = Number(response.headers['retry-after']);
          const result: ExchangeResult = Number.isFinite(retryAfter) && retryAfter >= 0 ? { status, retryAfterMs: retryAfter * 1000 } : { status };
          response.on('end', () => settle(result));
          response.on('close', () => settle(response.complete ? result : new TransportError('response cut short', 'network')));
          response.on('error', (error) => settle(new TransportError(error.message, 'network')));
          response.resume();
        },
      );
      // As in the lean pool, the timeout counts from when a socket takes the request.
      request.on('socket', () => {
        timer = setTimeout(() => request.destroy(new Error(`no response within ${options.timeoutMs} ms`)), options.timeoutMs);
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        // Only a refused connection provably carried nothing.
        settle(new TransportError(error.message, error.code === 'ECONNREFUSED' ? 'unsent' : 'network'));
      });
      request.end(body);
    });
  }

  public destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
