/**
 * How a signed Management API post travels: the lean HTTP/1.1 pool. The conventional
 * node:http transport it is measured against lives in bench/reference.
 */
import { Http1Pool, type Http1PoolOptions, type Origin } from './http1-pool.js';
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
export declare class LeanHttpTransport implements PostTransport {
    readonly pool: Http1Pool;
    constructor(options?: Http1PoolOptions);
    post(target: PostTarget, path: string, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<number>;
    destroy(): void;
}
