/**
 * The AWS SDK's standard retry strategy (`retryMode: 'standard'`, @smithy/core's retry as
 * installed here) for the adapters that sign their own requests and so have no SDK client to
 * retry for them (SQS SendMessageBatch, EventBridge PutEvents):
 * - retried: throttling (429, or a throttling error code such as ThrottlingException) and
 *   transient failures (500, 502, 503, 504, a request-timeout error code, a reset, refused
 *   or unreachable socket, the request's timeout); nothing else (403, 400, 501...);
 * - 3 attempts in all, the first included;
 * - the wait before retry n (from 0) is random() * min(20 s, base * 2^n): base 1 s after
 *   throttling, 50 ms after a transient failure.
 * Not copied: the SDK's retry quota (a token bucket per client, which stops retries when
 * most attempts fail) and its use of Retry-After. Each attempt resends the same signed
 * request: a SigV4 signature stays valid for 5 minutes, far longer than 3 attempts take.
 */
import type { JsonPost, JsonResponse } from './json-post.js';

export interface RetryOptions {
  /** Attempts in all, the first included. @default 3 (the SDK's) */
  readonly maxAttempts?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type RetryKind = 'throttling' | 'transient';

/** The SDK's default attempts and backoff (@smithy/core util-retry: config.js, retries-2026-config.js, constants.js). */
export const SDK_RETRY = { maxAttempts: 3, transientBaseMs: 50, throttlingBaseMs: 1000, maxDelayMs: 20_000 } as const;

/** HTTP answers the SDK retries: 429 (throttling), 500, 502, 503, 504 (transient). */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

const THROTTLING_ERROR_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_ERROR_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The error code of a JSON protocol error body (`__type`, e.g. `com.amazonaws.sqs#RequestThrottled`), as the SDK names it; '' when there is none. */
export function errorCodeOf(body: string): string {
  try {
    const { __type: type, code } = JSON.parse(body) as { __type?: unknown; code?: unknown };
    const raw = typeof type === 'string' ? type : typeof code === 'string' ? code : '';
    const name = raw.split(',')[0]?.split(':')[0] ?? '';
    return name.slice(name.lastIndexOf('#') + 1);
  } catch {
    return '';
  }
}

/** Whether an error code is one the SDK counts as throttling (and so waits longer before retrying). */
export function isThrottlingCode(code: string): boolean {
  return THROTTLING_ERROR_CODES.has(code);
}

/** Why an answer that is not 2xx is worth another try, if it is. */
export function retryKindOfResponse(response: JsonResponse): RetryKind | undefined {
  const code = errorCodeOf(response.body);
  if (response.status === 429 || isThrottlingCode(code)) return 'throttling';
  if (RETRYABLE_STATUS.has(response.status) || TRANSIENT_ERROR_CODES.has(code)) return 'transient';
  return undefined;
}

/** Whether a post that got no answer is worth another try (its error, or the error that caused it, is a timeout or a network error). */
export function retryKindOfError(error: unknown, depth = 0): RetryKind | undefined {
  const { name, code, cause } = (error ?? {}) as { name?: unknown; code?: unknown; cause?: unknown };
  if (name === 'AbortError') return undefined;
  if (TRANSIENT_ERROR_CODES.has(String(name)) || NETWORK_ERROR_CODES.has(String(code))) return 'transient';
  return cause !== undefined && depth < 10 ? retryKindOfError(cause, depth + 1) : undefined;
}

/** Full jitter: the wait before retry `retries` + 1 is random() * min(maxMs, baseMs * 2^retries). */
export function backoffMs(retries: number, baseMs: number, random: () => number, maxMs: number = SDK_RETRY.maxDelayMs): number {
  return random() * Math.min(maxMs, baseMs * 2 ** retries);
}

/** `post`, retried as the SDK retries: it answers the last answer, or rejects with the last error. */
export function retryingJsonPost(post: JsonPost, options: RetryOptions = {}): JsonPost {
  const maxAttempts = options.maxAttempts ?? SDK_RETRY.maxAttempts;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (url, headers, body, timeoutMs) => {
    for (let retries = 0; ; retries += 1) {
      let kind: RetryKind | undefined;
      try {
        const response = await post(url, headers, body, timeoutMs);
        kind = response.status >= 200 && response.status <= 299 ? undefined : retryKindOfResponse(response);
        if (kind === undefined || retries + 1 >= maxAttempts) return response;
      } catch (error) {
        kind = retryKindOfError(error);
        if (kind === undefined || retries + 1 >= maxAttempts) throw error;
      }
      await sleep(backoffMs(retries, kind === 'throttling' ? SDK_RETRY.throttlingBaseMs : SDK_RETRY.transientBaseMs, random));
    }
  };
}
