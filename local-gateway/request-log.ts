/**
 * One line per connect, disconnect and route invocation, with its duration, plus warnings
 * and errors (with their stacks). Every entry also goes to `onEntry`, so the live dashboard
 * shows the same log even when printing is switched off.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../lambdas/core/ports.js';

export interface RequestLog {
  readonly logger: Logger;
  /** `frame`: what the client sent, for message routes (frame-label.ts). */
  timed<T>(route: string, subject: string, run: () => Promise<T>, frame?: string): Promise<T>;
  /** Resolves when every timed invocation started so far has finished. */
  settled(): Promise<void>;
}

export interface LogEntry {
  readonly at: number;
  readonly level: 'route' | 'warn' | 'error';
  readonly text: string;
  /** Route invocations: the route key, the connection (or subject), the frame, status and duration. */
  readonly route?: string;
  readonly subject?: string;
  readonly frame?: string;
  readonly status?: number;
  readonly ms?: number;
}

export interface RequestLogOptions {
  readonly quiet: boolean;
  readonly write?: (line: string) => void;
  readonly onEntry?: (entry: LogEntry) => void;
}

export function createRequestLog({ quiet, write = (line) => process.stdout.write(`${line}\n`), onEntry = () => undefined }: RequestLogOptions): RequestLog {
  const pending = new Set<Promise<unknown>>();
  const emit = (level: 'warn' | 'error') => (message: string, fields: Record<string, unknown> = {}) => {
    const text = `${message}${Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields, errorsAsText)}` : ''}`;
    onEntry({ at: Date.now(), level, text });
    // --quiet silences the per-request lines only: warnings and errors are always printed.
    write(`${level.toUpperCase()} ${text}`);
    for (const value of Object.values(fields)) if (value instanceof Error && value.stack) write(value.stack);
  };
  const logger: Logger = { info: () => undefined, warn: emit('warn'), error: emit('error') };
  return {
    logger,
    timed(route, subject, run, frame) {
      const started = performance.now();
      const task = run();
      pending.add(task);
      const done = () => pending.delete(task);
      return task.then(
        (result) => {
          done();
          const status = (result as { statusCode?: number } | undefined)?.statusCode;
          const ms = Math.round((performance.now() - started) * 10) / 10;
          const line = `${route} ${subject}${status !== undefined ? ` ${status}` : ''} ${ms.toFixed(1)}ms${frame ? ` ${frame}` : ''}`;
          onEntry({ at: Date.now(), level: 'route', text: line, route, subject, ...(frame ? { frame } : {}), ...(status !== undefined ? { status } : {}), ms });
          if (!quiet) write(line);
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

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
