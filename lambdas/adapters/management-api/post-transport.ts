/**
 * How a signed Management API post travels. Two implementations, measured side by side
 * in `npm run bench`: the lean HTTP/1.1 pool (the default) and node:http with a
 * keep-alive agent (the conventional choice, kept as the reference and as a fallback).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Http1Pool, TransportError, type Http1PoolOptions, type Origin } from './http1-pool.js';

export { TransportError } from './http1-pool.js';

export interface PostTarget extends Origin {
  /** The Host header: hostname plus a non-default port. */
  readonly host: string;
}

export interface PostTransport {
  /** Resolves with the response status; rejects with a TransportError (`stale`: safe to resend). */
  post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<number>;
  destroy(): void;
}

/** The default: one request per socket at a time over a lean keep-alive pool. */
export class LeanHttpTransport implements PostTransport {
  public readonly pool: Http1Pool;

  public constructor(options: Http1PoolOptions = {}) {
    this.pool = new Http1Pool(options);
  }

  public async post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<number> {
    let head = `POST ${path} HTTP/1.1\r\n`;
    for (const name in headers) head += `${name}: ${headers[name] as string}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { status } = await this.pool.exchange(target, head, body, signal);
    return status;
  }

  public destroy(): void {
    this.pool.destroy();
  }
}

/** node:http / node:https over keep-alive agents. */
export class NodeHttpTransport implements PostTransport {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  public constructor(options: { maxSockets?: number } = {}) {
    const maxSockets = options.maxSockets ?? 64;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  }

  public post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const request = (target.secure ? httpsRequest : httpRequest)(
        {
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: target.secure ? this.httpsAgent : this.httpAgent,
          signal,
        },
        (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          response.on('end', () => resolve(status));
          response.on('close', () => (response.complete ? resolve(status) : reject(new TransportError('response cut short', 'network'))));
          response.on('error', (error) => reject(new TransportError(error.message, 'network')));
          response.resume();
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        const kind = signal.aborted ? 'timeout' : request.reusedSocket && error.code === 'ECONNRESET' ? 'stale' : 'network';
        reject(new TransportError(error.message, kind));
      });
      request.end(body);
    });
  }

  public destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
