/**
 * Runs one callback of a channel module. User code is untrusted: whatever it throws, a
 * promise that never settles, or a result of the wrong shape becomes a `failed` outcome,
 * logged with the module, topic and event; the caller answers `internal_error` and the
 * connection stays open. Results are read into a closed union, so nothing a module
 * returns reaches the wire unchecked.
 */
import { isPlainObject } from '../protocol/safe-json.js';
import type { Logger } from '../ports.js';
import type { ChannelErrorResponse, JsonObject } from './definition.js';

export interface CallbackSite {
  readonly module: string;
  readonly callback: 'join' | 'handleIn' | 'leave';
  readonly topic: string;
  readonly connectionId: string;
  /** The client event, for `handleIn`. */
  readonly event?: string;
}

export type JoinOutcome =
  | { readonly status: 'ok'; readonly response: JsonObject }
  | { readonly status: 'error'; readonly response: ChannelErrorResponse }
  | { readonly status: 'failed' };

export type HandleInOutcome = JoinOutcome | { readonly status: 'noreply' };

export type LeaveOutcome = { readonly status: 'done' } | { readonly status: 'failed' };

/** A result reader: the outcome, or a sentence saying what is wrong with the value. */
type Reader<T> = (value: unknown) => T | { readonly invalid: string };

export interface RunnerSettings {
  readonly logger: Logger;
  readonly timeoutMs: number;
}

export function runJoin(settings: RunnerSettings, site: CallbackSite, call: () => unknown): Promise<JoinOutcome> {
  return run(settings, site, call, readJoinResult);
}

export function runHandleIn(settings: RunnerSettings, site: CallbackSite, call: () => unknown): Promise<HandleInOutcome> {
  return run(settings, site, call, readHandleInResult);
}

export function runLeave(settings: RunnerSettings, site: CallbackSite, call: () => unknown): Promise<LeaveOutcome> {
  return run<LeaveOutcome>(settings, site, call, () => ({ status: 'done' }));
}

async function run<T>(settings: RunnerSettings, site: CallbackSite, call: () => unknown, read: Reader<T>): Promise<T | { readonly status: 'failed' }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = Symbol('timeout');
  try {
    const deadline = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), settings.timeoutMs);
    });
    // `call` runs inside the try: a synchronous throw is caught like a rejection.
    const value = await Promise.race([Promise.resolve().then(call), deadline]);
    if (value === timedOut) return fail(settings.logger, site, `did not finish within ${settings.timeoutMs} ms`);
    const outcome = read(value);
    if (isInvalid(outcome)) return fail(settings.logger, site, outcome.invalid);
    return outcome;
  } catch (error) {
    return fail(settings.logger, site, describe(error), error);
  } finally {
    clearTimeout(timer);
  }
}

function fail(logger: Logger, site: CallbackSite, problem: string, error?: unknown): { readonly status: 'failed' } {
  logger.error('channel callback failed', {
    module: site.module,
    callback: site.callback,
    topic: site.topic,
    ...(site.event !== undefined ? { event: site.event } : {}),
    connectionId: site.connectionId,
    error: problem,
    ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
  });
  return { status: 'failed' };
}

export function readJoinResult(value: unknown): JoinOutcome | { readonly invalid: string } {
  return readStatus(value, 'join must return { ok: response } or { error: { reason } }');
}

export function readHandleInResult(value: unknown): HandleInOutcome | { readonly invalid: string } {
  const expected = 'handleIn must return { reply: { ok: response } }, { reply: { error: { reason } } } or { noreply: true }';
  if (isPlainObject(value) && value.noreply === true && !('reply' in value)) return { status: 'noreply' };
  if (!isPlainObject(value) || !('reply' in value)) return { invalid: `${expected}, got ${shapeOf(value)}` };
  return readStatus(value.reply, expected);
}

function readStatus(value: unknown, expected: string): JoinOutcome | { readonly invalid: string } {
  if (!isPlainObject(value)) return { invalid: `${expected}, got ${shapeOf(value)}` };
  const hasOk = 'ok' in value;
  const hasError = 'error' in value;
  if (hasOk === hasError) return { invalid: `${expected}, got ${shapeOf(value)}` };
  if (hasOk) {
    if (value.ok === undefined) return { status: 'ok', response: {} };
    if (!isPlainObject(value.ok)) return { invalid: `the ok response must be a JSON object, got ${shapeOf(value.ok)}` };
    return { status: 'ok', response: value.ok as JsonObject };
  }
  const error = value.error;
  if (!isPlainObject(error) || typeof error.reason !== 'string' || error.reason.length === 0) {
    return { invalid: `the error response must be an object with a string reason, got ${shapeOf(error)}` };
  }
  return { status: 'error', response: error as ChannelErrorResponse };
}

function isInvalid<T>(value: T | { readonly invalid: string }): value is { readonly invalid: string } {
  return isPlainObject(value) && typeof (value as { invalid?: unknown }).invalid === 'string';
}

function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return `an object with keys [${Object.keys(value).join(', ')}]`;
  return typeof value;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `thrown ${String(error)}`;
}
