export interface Origin {
    readonly secure: boolean;
    readonly hostname: string;
    readonly port: number;
}
export interface ExchangeResult {
    readonly status: number;
}
/** Why an exchange failed; `stale` means a reused socket died before any response byte, so the request never reached the server. */
export declare class TransportError extends Error {
    readonly kind: 'stale' | 'timeout' | 'network' | 'protocol';
    constructor(message: string, kind: 'stale' | 'timeout' | 'network' | 'protocol');
}
export interface Http1PoolOptions {
    /** Sockets per origin. @default 64 */
    readonly maxSockets?: number;
    /** Idle sockets are closed after this long. @default 30000 */
    readonly idleTimeoutMs?: number;
    /** Extra trust for TLS (a private CA, tests). Certificates are always verified. */
    readonly ca?: string | Buffer;
}
export declare class Http1Pool {
    private readonly origins;
    private readonly maxSockets;
    private readonly idleTimeoutMs;
    private readonly ca;
    constructor(options?: Http1PoolOptions);
    /**
     * Sends `head` (request line and headers, ending with an empty line) and `body`, and
     * resolves with the response status. Rejects with a TransportError.
     */
    exchange(origin: Origin, head: string, body: string, signal: AbortSignal): Promise<ExchangeResult>;
    /** Sockets currently open, over all origins (tests and diagnostics). */
    get openSockets(): number;
    /** Sockets opened since the pool was created. */
    get socketsCreated(): number;
    destroy(): void;
}
