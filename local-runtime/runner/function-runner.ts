/**
 * Runs one function of the template as Lambda does: each execution environment is a
 * process of its own (its own module state and environment variables), started on the
 * first invocation and kept warm; one invocation at a time per environment, a new
 * environment when all are busy (up to `maxEnvironments`, then invocations wait). The
 * function's timeout is enforced by ending its environment ("Task timed out"), as Lambda
 * does: the next invocation starts a new one. Memory is reported in the context.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FunctionModel } from '../assembly/local-app.js';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.mjs', import.meta.url));

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: string[];
}

export type Invocation =
  | { readonly status: 'returned'; readonly result: unknown; readonly requestId: string }
  | { readonly status: 'failed'; readonly error: InvocationError; readonly timedOut: boolean; readonly requestId: string };

export interface FunctionRunnerOptions {
  /** Environment variables of every environment (the template's, resolved, plus Lambda's own). */
  readonly environment: Readonly<Record<string, string>>;
  /** Where the function's log lines go (each prefixed by the caller), with the stream each was written to. */
  readonly log: (line: string, stream: 'stdout' | 'stderr') => void;
  /** @default 10 */
  readonly maxEnvironments?: number;
  /** Told of every invocation once it is over: how long its environment ran it (waiting for a free environment left out). */
  readonly onInvoked?: (invocation: Invocation, durationMs: number) => void;
}

interface Pending {
  readonly resolve: (invocation: Invocation) => void;
  readonly requestId: string;
  readonly timer: NodeJS.Timeout;
}

class ExecutionEnvironment {
  public busy = false;
  public ended = false;
  /** Its code was replaced while it ran an invocation: it ends once that invocation is over. */
  public retiring = false;
  /** Settles when the handler module is loaded (the init phase), or the process ended. */
  public readonly ready: Promise<void>;
  private pending: Pending | undefined;

  public constructor(
    private readonly child: ChildProcess,
    private readonly onEnd: (environment: ExecutionEnvironment) => void,
  ) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    child.on('message', (message: { type: string; id?: string; ok?: boolean; value?: unknown; error?: InvocationError }) => {
      if (message.type === 'ready') markReady();
      if (message.type !== 'result' || !this.pending || message.id !== this.pending.requestId) return;
      const { resolve, requestId, timer } = this.pending;
      clearTimeout(timer);
      this.pending = undefined;
      resolve(message.ok ? { status: 'returned', result: message.value, requestId } : { status: 'failed', error: message.error as InvocationError, timedOut: false, requestId });
    });
    let over = false;
    const finish = (why: string) => {
      if (over) return;
      over = true;
      this.ended = true;
      markReady();
      if (this.pending) {
        const { resolve, requestId, timer } = this.pending;
        clearTimeout(timer);
        this.pending = undefined;
        resolve({ status: 'failed', error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited ${why}` }, timedOut: false, requestId });
      }
      this.onEnd(this);
    };
    child.once('exit', (code, signal) => finish(signal ? `with signal: ${signal}` : `with error: exit status ${String(code)}`));
    // A process that could not start (its code folder is gone) has an 'error' and never an 'exit'.
    child.once('error', (error) => finish(`with error: ${error.message}`));
  }

  public async invoke(fn: FunctionModel, event: unknown, requestId: string): Promise<Invocation> {
    await this.ready;
    if (this.ended) {
      return { status: 'failed', error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited during init` }, timedOut: false, requestId };
    }
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadlineMs = Date.now() + timeoutMs;
    return new Promise<Invocation>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve({ status: 'failed', error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` }, timedOut: true, requestId });
        // Lambda stops a timed-out environment; its late work never finishes.
        this.end();
      }, timeoutMs);
      this.pending = { resolve, requestId, timer };
      const context = {
        awsRequestId: requestId,
        functionName: fn.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: String(fn.memoryMb),
        logGroupName: `/aws/lambda/${fn.functionName}`,
        logStreamName: `local/[$LATEST]${this.child.pid ?? ''}`,
        deadlineMs,
      };
      this.child.send({ type: 'invoke', id: requestId, event, context });
    });
  }

  public end(): void {
    if (this.ended) return;
    // Ended from now on, not from the exit event: no invocation may reach a dying process.
    this.ended = true;
    this.child.kill('SIGKILL');
  }
}

export class FunctionRunner {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly waiting: (() => void)[] = [];
  private readonly maxEnvironments: number;

  public constructor(
    public readonly fn: FunctionModel,
    private readonly options: FunctionRunnerOptions,
  ) {
    this.maxEnvironments = options.maxEnvironments ?? 10;
  }

  public async invoke(event: unknown): Promise<Invocation> {
    const environment = await this.acquire();
    const started = performance.now();
    try {
      const invocation = await environment.invoke(this.fn, event, randomUUID());
      this.options.onInvoked?.(invocation, performance.now() - started);
      return invocation;
    } finally {
      environment.busy = false;
      if (environment.retiring) environment.end();
      this.waiting.shift()?.();
    }
  }

  /** Ends every environment: the next invocation starts a new one (new code, new module state). */
  public reset(): void {
    for (const environment of this.environments) environment.end();
    this.environments.clear();
  }

  /**
   * New code: the next invocation starts a new environment that loads it. An idle
   * environment ends now; a busy one finishes its invocation on the code it loaded (as a
   * Lambda deployment lets running invocations finish) and ends then.
   */
  public reload(): void {
    for (const environment of this.environments) {
      if (environment.busy) environment.retiring = true;
      else environment.end();
    }
    this.environments.clear();
  }

  /**
   * An environment claimed for one invocation. It is marked busy here, in the same tick as
   * it is chosen: invocations that arrive together (concurrent cold starts) would otherwise
   * all be handed the first one, and every result but the last would be lost.
   */
  private async acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      let chosen: ExecutionEnvironment | undefined;
      for (const environment of this.environments) {
        if (!environment.busy && !environment.ended) {
          chosen = environment;
          break;
        }
      }
      if (!chosen && this.environments.size < this.maxEnvironments) chosen = this.start();
      if (chosen) {
        chosen.busy = true;
        return chosen;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): ExecutionEnvironment {
    const child = fork(BOOTSTRAP, [], {
      cwd: this.fn.codeDir,
      env: this.options.environment,
      // The parent's flags (tsx's loader, inspector) are not the function's.
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.options.log(line, name));
    }
    const environment = new ExecutionEnvironment(child, (ended) => {
      this.environments.delete(ended);
      this.waiting.shift()?.();
    });
    this.environments.add(environment);
    return environment;
  }
}
