/**
 * Runs a handler the way Lambda does: with a context whose `getRemainingTimeInMillis()`
 * counts down the function's configured timeout, and a "Task timed out" error when that
 * time is up. Lambda freezes a timed-out invocation; a promise cannot be frozen, so its
 * late result is ignored and reported once, as a warning that on AWS this work would
 * never have finished.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaContextLike } from '../lambdas/handlers/api-gateway-event.js';
import type { Logger } from '../lambdas/core/ports.js';
import { runInvocation } from './invocation-context.js';

export interface LocalFunction<E, R> {
  /** Shown in logs and as `context.functionName`. */
  readonly name: string;
  readonly timeoutMs: number;
  readonly handler: (event: E, context: LambdaContextLike) => Promise<R>;
}

export type Invocation<R> =
  | { readonly status: 'returned'; readonly result: R; readonly requestId: string }
  /** A function error: the handler threw, or ran out of time (Lambda's "Task timed out"). */
  | { readonly status: 'failed'; readonly error: Error; readonly timedOut: boolean; readonly requestId: string };

export async function invokeLocally<E, R>(fn: LocalFunction<E, R>, event: E, logger: Logger): Promise<Invocation<R>> {
  const requestId = randomUUID();
  const deadline = Date.now() + fn.timeoutMs;
  const context: LambdaContextLike = {
    awsRequestId: requestId,
    functionName: fn.name,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const running = Promise.resolve().then(() => runInvocation({ functionName: fn.name, requestId }, () => fn.handler(event, context)));
  const timeout = new Promise<Invocation<R>>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      const seconds = (fn.timeoutMs / 1000).toFixed(2);
      resolve({ status: 'failed', error: new Error(`Task timed out after ${seconds} seconds`), timedOut: true, requestId });
    }, fn.timeoutMs);
  });
  const finished = running.then(
    (result): Invocation<R> => ({ status: 'returned', result, requestId }),
    (error: unknown): Invocation<R> => ({ status: 'failed', error: error instanceof Error ? error : new Error(String(error)), timedOut: false, requestId }),
  );
  void finished.then((late) => {
    if (timedOut) {
      logger.warn('function finished after its timeout; Lambda would have stopped it', { function: fn.name, requestId, status: late.status });
    }
  });
  try {
    return await Promise.race([finished, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
