/** One line per connect, disconnect and route invocation, with its duration. */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../lambdas/core/ports.js';

export interface RequestLog {
  readonly logger: Logger;
  timed<T>(route: string, subject: string, run: () => Promise<T>): Promise<T>;
  /** Resolves when every timed invocation started so far has finished. */
  settled(): Promise<void>;
}

export function createRequestLog(quiet: boolean, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): RequestLog {
  const pending = new Set<Promise<unknown>>();
  const emit = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    if (quiet && level === 'info') return;
    write(`${level === 'info' ? '' : `${level.toUpperCase()} `}${message}${Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}`);
  };
  const logger: Logger = { info: () => undefined, warn: emit('warn'), error: emit('error') };
  return {
    logger,
    timed(route, subject, run) {
      const started = performance.now();
      const task = run();
      pending.add(task);
      const done = () => pending.delete(task);
      return task.then(
        (result) => {
          done();
          if (!quiet) {
            const status = (result as { statusCode?: number } | undefined)?.statusCode;
            write(`${route} ${subject}${status !== undefined ? ` ${status}` : ''} ${(performance.now() - started).toFixed(1)}ms`);
          }
          return result;
        },
        (error: unknown) => {
          done();
          throw error;
        },
      );
    },
    async settled() {
      await Promise.allSettled([...pending]);
    },
  };
}
