/**
 * Which function's invocation the current code runs in: Lambda gives each function its own
 * process and credentials, while the local gateway runs every function in one process. The
 * invocation is carried through every await (AsyncLocalStorage), so a client middleware or
 * an outgoing request can tell which function, hence which role, made an AWS call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { channel } from 'node:diagnostics_channel';

export interface RunningInvocation {
  /** The local function's name, e.g. `topicast-join`, `topicast-fanout-worker`, `topicast-presence-1s`. */
  readonly functionName: string;
  readonly requestId: string;
}

const invocations = new AsyncLocalStorage<RunningInvocation>();

export function runInvocation<T>(invocation: RunningInvocation, body: () => T): T {
  return invocations.run(invocation, body);
}

/** The invocation the caller runs in; undefined outside any function (the gateway itself, the TTL sweeper). */
export function currentInvocation(): RunningInvocation | undefined {
  return invocations.getStore();
}

/** A function's call of Lambda's Invoke API, as the fan-out dispatcher makes it on AWS. */
export interface LambdaInvokeMessage {
  /** The calling function, when the call comes from one. */
  readonly caller: string | undefined;
  /** The invoked function's local name. */
  readonly functionName: string;
}

/** Published on each local stand-in for a Lambda Invoke call (diagnostics_channel: free when nobody listens). */
export const lambdaInvokeChannel = channel('topicast:local-gateway:lambda-invoke');

export function announceLambdaInvoke(functionName: string): void {
  if (!lambdaInvokeChannel.hasSubscribers) return;
  const message: LambdaInvokeMessage = { caller: currentInvocation()?.functionName, functionName };
  lambdaInvokeChannel.publish(message);
}
