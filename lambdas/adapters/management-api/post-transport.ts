/**
 * How a signed Management API post travels: the lean HTTP/1.1 pool. The conventional
 * node:http transport it is measured against lives in bench/reference.
 */
import { Http1Pool, type ExchangeOptions, type ExchangeResult, type Http1PoolOptions, type Origin } from './http1-pool.js';

export { TransportError, type ExchangeOptions, type ExchangeResult } from './http1-pool.js';

export interface PostTarget extends Origin {
  /** The Host header: hostname plus a non-default port. */
  readonly host: string;
}

/** Where a URL's requests go. */
export function postTargetOf(url: URL): PostTarget {
  const secure = url.protocol === 'https:';
  // IPv6 literals come bracketed in URLs, bare in socket calls.
  return { secure, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : secure ? 443 : 80, host: url.host };
}

export interface PostTransport {
  /**
   * Resolves with the response status (and Retry-After); rejects with a TransportError
   * (`unsent`: provably never written, safe to send again; any other kind is not).
   */
  post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, options: ExchangeOptions): Promise<ExchangeResult>;
  destroy(): void;
}

/** The default: one request per socket at a time over a lean keep-alive pool. */
export class LeanHttpTransport implements PostTransport {
  public readonly pool: Http1Pool;

  public constructor(options: Http1PoolOptions = {}) {
    this.pool = new Http1Pool(options);
  }

  public post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, options: ExchangeOptions): Promise<ExchangeResult> {
    let head = `POST ${path} HTTP/1.1\r\n`;
    for (const name in headers) head += `${name}: ${headers[name] as string}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return this.pool.exchange(target, head, body, options);
  }

  public destroy(): void {
    this.pool.destroy();
  }
}
