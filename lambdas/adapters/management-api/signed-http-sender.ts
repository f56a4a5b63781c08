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
import { LeanHttpTransport, TransportError, type PostTarget, type PostTransport } from './post-transport.js';
import { leanSigner, type RequestSigner, type SignerFactory } from './sigv4.js';

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

interface Target extends PostTarget {
  /** Stage path, e.g. `/prod`, without a trailing slash. */
  readonly basePath: string;
  readonly signer: RequestSigner;
}

type AttemptResult = DeliveryOutcome | 'retry';

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The signing region named by an `{api}.execute-api.{region}.amazonaws.com` host, if any. */
export function regionOfHost(hostname: string): string | undefined {
  return EXECUTE_API_HOST.exec(hostname)?.[1];
}

export class SignedHttpMessageSender implements MessageSender {
  public readonly transport: PostTransport;
  private readonly targets = new Map<string, Target>();
  private readonly signers = new Map<string, RequestSigner>();
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: SignedHttpSenderOptions) {
    this.transport = options.transport ?? new LeanHttpTransport({ maxSockets: options.maxSockets ?? 64 });
    this.baseBackoffMs = options.baseBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 2000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  public async send({ endpoint, connectionId, data }: Delivery): Promise<DeliveryOutcome> {
    let target: Target;
    try {
      target = this.target(endpoint);
    } catch {
      return 'failed';
    }
    const path = `${target.basePath}/@connections/${encodeURIComponent(connectionId)}`;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(target, path, data);
      if (result !== 'retry') return result;
      if (attempt >= this.options.maxAttempts) return 'failed';
      await this.sleep(this.random() * Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (attempt - 1)));
    }
  }

  /** Closes the transport's sockets. */
  public destroy(): void {
    this.transport.destroy();
  }

  private async attempt(target: Target, path: string, body: string): Promise<AttemptResult> {
    try {
      const headers = await target.signer.sign(target.host, path, body);
      // Hung Management API calls are a known problem: every attempt has a deadline.
      const status = await this.transport.post(target, path, headers, body, AbortSignal.timeout(this.options.timeoutMs));
      if (status >= 200 && status < 300) return 'delivered';
      if (status === 410) return 'gone';
      if (status === 429) return 'retry';
      return 'failed';
    } catch (error) {
      return error instanceof TransportError && error.kind === 'stale' ? 'retry' : 'failed';
    }
  }

  private target(endpoint: string): Target {
    let target = this.targets.get(endpoint);
    if (!target) {
      const url = new URL(endpoint);
      const secure = url.protocol === 'https:';
      target = {
        secure,
        // IPv6 literals come bracketed in URLs, bare in socket calls.
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : secure ? 443 : 80,
        host: url.host,
        basePath: url.pathname.replace(/\/+$/, ''),
        signer: this.signer(regionOfHost(url.hostname) ?? this.options.region),
      };
      this.targets.set(endpoint, target);
    }
    return target;
  }

  private signer(region: string): RequestSigner {
    let signer = this.signers.get(region);
    if (!signer) {
      signer = (this.options.signer ?? leanSigner)('execute-api', region, this.options.credentials);
      this.signers.set(region, signer);
    }
    return signer;
  }
}
