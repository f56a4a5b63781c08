/**
 * The fan-out hot path: `POST {endpoint}/@connections/{id}` signed with SigV4 (service
 * `execute-api`; the lean signer matches `@smithy/signature-v4` byte for byte) and sent
 * over a keep-alive transport, without the SDK client's middleware stack (serializers,
 * endpoint rules, retry strategy, user agent, checksum plugins). That stack costs several
 * times more CPU per post than the request itself; see docs/performance.md.
 *
 * - 2xx: delivered; 410: gone (the socket is closed, its items must be reaped).
 * - 429 (LimitExceededException, the account's callback throttle): retried with
 *   full-jitter exponential backoff, up to `maxAttempts` attempts in all. A request on a
 *   reused keep-alive socket that the server had already closed (dead before any response
 *   byte) is retried the same way: it never reached API Gateway.
 * - anything else, and every attempt that outlives `timeoutMs` (an AbortSignal): failed.
 */
import type { Delivery, DeliveryOutcome, MessageSender } from '../../core/ports.js';
import type { CredentialProvider } from './credentials.js';
import { type PostTransport } from './post-transport.js';
import { type SignerFactory } from './sigv4.js';
export interface SignedHttpSenderOptions {
    readonly credentials: CredentialProvider;
    /** Signing region when the endpoint host does not name one (custom domains, local). */
    readonly region: string;
    /** Timeout of one attempt, in milliseconds. */
    readonly timeoutMs: number;
    /** Attempts for a throttled post, including the first. */
    readonly maxAttempts: number;
    /** Sockets kept per host; match it to the fan-out concurrency. @default 64 */
    readonly maxSockets?: number;
    /** How posts travel. @default a LeanHttpTransport with `maxSockets` */
    readonly transport?: PostTransport;
    /** How posts are signed. @default leanSigner (same output as @smithy/signature-v4, less CPU) */
    readonly signer?: SignerFactory;
    /** The wait before retry n (1-based) is random() * min(maxBackoffMs, baseBackoffMs * 2^(n-1)). @default 100 */
    readonly baseBackoffMs?: number;
    /** @default 2000 */
    readonly maxBackoffMs?: number;
    readonly random?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}
/** The signing region named by an `{api}.execute-api.{region}.amazonaws.com` host, if any. */
export declare function regionOfHost(hostname: string): string | undefined;
export declare class SignedHttpMessageSender implements MessageSender {
    private readonly options;
    readonly transport: PostTransport;
    private readonly targets;
    private readonly signers;
    private readonly baseBackoffMs;
    private readonly maxBackoffMs;
    private readonly random;
    private readonly sleep;
    constructor(options: SignedHttpSenderOptions);
    send({ endpoint, connectionId, data }: Delivery): Promise<DeliveryOutcome>;
    /** Closes the transport's sockets. */
    destroy(): void;
    private attempt;
    private target;
    private signer;
}
