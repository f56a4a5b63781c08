/**
 * The fan-out hot path: `POST {endpoint}/@connections/{id}` signed with SigV4 (service
 * `execute-api`; the lean signer matches `@smithy/signature-v4` byte for byte) and sent
 * over a keep-alive transport, without the SDK client's middleware stack (serializers,
 * endpoint rules, retry strategy, user agent, checksum plugins). That stack costs several
 * times more CPU per post than the request itself; see docs/performance.md.
 *
 * Delivery is at most once (docs/performance.md, "Delivery semantics"):
 * - 2xx: delivered; 410: gone (the socket is closed, its items must be reaped).
 * - 429 (the account's callback throttle) and 500/502/503/504 (transient service errors;
 *   API Gateway answers an error only when it did not hand the frame to the connection),
 *   and a socket that never connected: retried with full-jitter exponential backoff,
 *   waiting at least what `Retry-After` asks, up to `maxAttempts` attempts in all.
 * - anything else, and any attempt that failed after its request was written (a timeout,
 *   a reset): failed, never resent, since API Gateway may already have delivered it.
 * - with a deadline, no attempt starts that could not finish before it: what is still
 *   undelivered then is `unsent`, for the caller to hand on.
 */
import type { Delivery, DeliveryResult, MessageSender } from '../../core/ports.js';
import { backoffMs, RETRYABLE_STATUS } from '../aws-json/retrying-post.js';
import type { CredentialProvider } from './credentials.js';
import { LeanHttpTransport, postTargetOf, TransportError, type PostTarget, type PostTransport } from './post-transport.js';
import { leanSigner, type RequestSigner, type SignerFactory } from './sigv4.js';

export interface SignedHttpSenderOptions {
  readonly credentials: CredentialProvider;
  /** Signing region when the endpoint host does not name one (custom domains, local). */
  readonly region: string;
  /** Timeout of one attempt, from when its request is written, in milliseconds. */
  readonly timeoutMs: number;
  /** Attempts for a post that was not delivered (429, transient 5xx), including the first. */
  readonly maxAttempts: number;
  /** Sockets kept per host; match it to the fan-out concurrency. @default 64 */
  readonly maxSockets?: number;
  /** How posts travel. @default a LeanHttpTransport with `maxSockets` */
  readonly transport?: PostTransport;
  /** How posts are signed. @default leanSigner (same output as @smithy/signature-v4, less CPU) */
  readonly signer?: SignerFactory;
  /** The wait before retry n (1-based) is random() * min(maxBackoffMs, baseBackoffMs * 2^(n-1)), at least Retry-After. @default 100 */
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

/** One attempt: final, or worth another try because it provably was not delivered. */
type AttemptResult =
  | { readonly kind: 'final'; readonly result: DeliveryResult }
  | { readonly kind: 'retry'; readonly status: number | null; readonly reason: string; readonly retryAfterMs?: number };

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

  public async send({ endpoint, connectionId, data, deadlineMs }: Delivery): Promise<DeliveryResult> {
    let target: Target;
    try {
      target = this.target(endpoint);
    } catch (error) {
      return { outcome: 'failed', status: null, retries: 0, reason: `bad endpoint: ${String(error)}` };
    }
    const { timeoutMs, maxAttempts } = this.options;
    const path = `${target.basePath}/@connections/${encodeURIComponent(connectionId)}`;
    // The latest moment an attempt may be written and still finish before the deadline.
    const writeBy = deadlineMs === undefined ? undefined : deadlineMs - timeoutMs;
    let status: number | null = null;
    for (let attempt = 1; ; attempt += 1) {
      if (writeBy !== undefined && Date.now() > writeBy) return { outcome: 'unsent', status, retries: attempt - 1, reason: 'deadline' };
      const result = await this.attempt(target, path, data, writeBy);
      if (result.kind === 'final') return { ...result.result, retries: attempt - 1 };
      status = result.status;
      if (attempt >= maxAttempts) return { outcome: 'failed', status, retries: attempt - 1, reason: `${result.reason} after ${attempt} attempts` };
      const backoff = backoffMs(attempt - 1, this.baseBackoffMs, this.random, this.maxBackoffMs);
      const wait = Math.max(backoff, result.retryAfterMs ?? 0);
      if (writeBy !== undefined && Date.now() + wait > writeBy) {
        return { outcome: 'unsent', status, retries: attempt - 1, reason: `${result.reason}; no time left to retry before the deadline` };
      }
      await this.sleep(wait);
    }
  }

  /** Closes the transport's sockets. */
  public destroy(): void {
    this.transport.destroy();
  }

  private async attempt(target: Target, path: string, body: string, writeBy: number | undefined): Promise<AttemptResult> {
    try {
      const headers = await target.signer.sign(target.host, path, body);
      // Hung Management API calls are a known problem: every attempt has a timeout.
      const response = await this.transport.post(target, path, headers, body, writeBy === undefined ? { timeoutMs: this.options.timeoutMs } : { timeoutMs: this.options.timeoutMs, writeBy });
      const { status } = response;
      if (status >= 200 && status < 300) return final('delivered', status);
      if (status === 410) return final('gone', status);
      // 429, 500, 502, 503, 504: not delivered, and may be later.
      if (RETRYABLE_STATUS.has(status)) {
        return response.retryAfterMs === undefined ? { kind: 'retry', status, reason: `http ${status}` } : { kind: 'retry', status, reason: `http ${status}`, retryAfterMs: response.retryAfterMs };
      }
      return final('failed', status, `http ${status}`);
    } catch (error) {
      if (!(error instanceof TransportError)) return final('failed', null, `signing failed: ${String(error)}`);
      if (error.kind !== 'unsent') return final('failed', null, `${error.kind}: ${error.message}`);
      // Never written: a refused connection is retried; a passed deadline is handed back.
      if (writeBy !== undefined && Date.now() > writeBy) return final('unsent', null, error.message);
      return { kind: 'retry', status: null, reason: `unsent: ${error.message}` };
    }
  }

  private target(endpoint: string): Target {
    let target = this.targets.get(endpoint);
    if (!target) {
      const url = new URL(endpoint);
      target = {
        ...postTargetOf(url),
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

function final(outcome: DeliveryResult['outcome'], status: number | null, reason?: string): AttemptResult {
  return { kind: 'final', result: reason === undefined ? { outcome, status, retries: 0 } : { outcome, status, retries: 0, reason } };
}
