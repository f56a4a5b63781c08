/**
 * Hands fan-out batches to the worker function with asynchronous invokes: one request
 * per batch, all in parallel, no queue to poll. With `wait` (the presence reader), the
 * invokes are synchronous (RequestResponse, answered 200 once the worker has run). The worker is deployed with zero
 * async retries, so a batch is delivered at most once. Each invoke stands alone: one
 * refused hand-over is reported, and the others still go.
 *
 * The invoke is Lambda's REST API called directly: `POST /2015-03-31/functions/{name}/invocations`
 * with `X-Amz-Invocation-Type: Event` (answered 202), signed by the lean header-signing SigV4 and
 * sent over the lean keep-alive pool the Management API posts use. @aws-sdk/client-lambda
 * would add about 70 KB to every route bundle for this one call (docs/performance.md).
 *
 * Retried like the SDK's standard mode, but only when the batch provably was not queued:
 * 429 (throttled), 500/502/503/504 (Lambda queues nothing when it answers an error), and a
 * socket that never connected. A request that fails after it was written (a timeout, a
 * reset) is not resent: Lambda may have queued it, and the worker would send twice.
 */
import type { DispatchOptions, DispatchResult, FanoutBatch, FanoutDispatcher, GreetingEvent } from '../../core/ports.js';
import type { ConnectionGreeter, Greeting } from '../../core/pusher/greeting.js';
import type { CredentialProvider } from '../management-api/credentials.js';
import { headerSigner, type HeaderSigner } from '../eventbridge/header-signer.js';
import { LeanHttpTransport, postTargetOf, TransportError, type PostTarget, type PostTransport } from '../management-api/post-transport.js';

export interface LambdaFanoutDispatcherOptions {
  /** The worker's name or ARN. */
  readonly functionName: string;
  readonly region: string;
  readonly credentials: CredentialProvider;
  /** Lambda's endpoint. @default https://lambda.{region}.amazonaws.com (`.com.cn` in China) */
  readonly endpoint?: string;
  /** Timeout of one attempt, from when its request is written. @default 3000 */
  readonly timeoutMs?: number;
  /** Timeout of a waited-for (synchronous) invoke: the worker's own timeout, plus a margin. @default 65000 */
  readonly waitTimeoutMs?: number;
  /** Attempts of an invoke that was not queued, the first included (the SDK's default). @default 3 */
  readonly maxAttempts?: number;
  readonly transport?: PostTransport;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const INVOKE_HEADERS = { 'x-amz-invocation-type': 'Event', 'content-type': 'application/json' } as const;
// A synchronous invoke answers 200 once the worker has run (its handler never throws).
const WAITED_INVOKE_HEADERS = { 'x-amz-invocation-type': 'RequestResponse', 'content-type': 'application/json' } as const;
const NOT_QUEUED = new Set([429, 500, 502, 503, 504]);
const BASE_BACKOFF_MS = 100;

/** Lambda's public endpoint in `region`. */
export function lambdaEndpointOf(region: string): string {
  return `https://lambda.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

export class LambdaFanoutDispatcher implements FanoutDispatcher, ConnectionGreeter {
  private readonly target: PostTarget;
  private readonly path: string;
  private readonly signer: HeaderSigner;
  private readonly transport: PostTransport;
  private readonly timeoutMs: number;
  private readonly waitTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  public constructor(options: LambdaFanoutDispatcherOptions) {
    const url = new URL(options.endpoint ?? lambdaEndpointOf(options.region));
    this.target = postTargetOf(url);
    this.path = `${url.pathname.replace(/\/+$/, '')}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`;
    this.signer = headerSigner('lambda', options.region, options.credentials);
    this.transport = options.transport ?? new LeanHttpTransport({ maxSockets: 50 });
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 65_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  public async dispatch(batches: readonly FanoutBatch[], options: DispatchOptions = {}): Promise<DispatchResult> {
    const wait = options.wait === true;
    const errors = await Promise.all(batches.map((batch) => this.invoke(JSON.stringify(batch), wait)));
    const failed = errors.flatMap((error, index) => (error === null ? [] : [{ batch: batches[index] as FanoutBatch, error }]));
    return { dispatched: batches.length - failed.length, failed };
  }

  /**
   * Hands a new connection's greeting to the worker (an asynchronous invoke, as a batch):
   * `$connect` cannot post to its own connection. Throws when Lambda did not queue it.
   */
  public async greet(greeting: Greeting): Promise<void> {
    const error = await this.invoke(JSON.stringify({ greeting } satisfies GreetingEvent), false);
    if (error !== null) throw new Error(`greeting not handed to the fan-out worker: ${error}`);
  }

  /** Closes the transport's sockets. */
  public destroy(): void {
    this.transport.destroy();
  }

  /** One batch handed over: null, or why it was not. */
  private async invoke(payload: string, wait: boolean): Promise<string | null> {
    for (let attempt = 1; ; attempt += 1) {
      let reason: string;
      let retryAfterMs = 0;
      try {
        const headers = await this.signer.sign(this.target.host, this.path, payload, wait ? WAITED_INVOKE_HEADERS : INVOKE_HEADERS);
        const { status, retryAfterMs: asked } = await this.transport.post(this.target, this.path, headers, payload, { timeoutMs: wait ? this.waitTimeoutMs : this.timeoutMs });
        if (status === (wait ? 200 : 202)) return null;
        reason = `Lambda Invoke answered http ${status}`;
        if (!NOT_QUEUED.has(status)) return reason;
        retryAfterMs = asked ?? 0;
      } catch (error) {
        if (!(error instanceof TransportError)) return `signing failed: ${String(error)}`;
        reason = `Lambda Invoke ${error.kind}: ${error.message}`;
        if (error.kind !== 'unsent') return reason;
      }
      if (attempt >= this.maxAttempts) return `${reason} after ${attempt} attempts`;
      await this.sleep(Math.max(retryAfterMs, this.random() * BASE_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}
