/**
 * How a long-running topicast command ends: on SIGINT (Ctrl-C), SIGTERM or SIGHUP, and
 * when the process that started it goes away.
 *
 * The last case is what makes `kill <pid of npm start>` work. npm passes SIGTERM on to the
 * shell that runs the script (`sh -c ...`), and that shell (dash, Debian's /bin/sh) dies
 * without passing it on to its child: the gateway would be left running, owned by init,
 * still holding its port. No signal reaches it, so it watches its parent pid instead and
 * stops when that changes (the orphan is re-parented to init or a subreaper).
 */

export interface ShutdownOptions {
  /** What stops the command; its rejection exits with status 1. */
  readonly stop: () => Promise<void>;
  /** Says why it stops, e.g. `SIGTERM: stopping`. @default stderr */
  readonly write?: (line: string) => void;
  /** How often the parent pid is checked. @default 1000 */
  readonly parentPollMs?: number;
  /** The graceful stop gets this long before the process exits anyway. @default 10000 */
  readonly graceMs?: number;
  /** @default process.exit */
  readonly exit?: (code: number) => void;
  /** @default process */
  readonly process?: Pick<NodeJS.Process, 'on' | 'removeListener' | 'ppid'>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Installs the handlers; returns a function that removes them (and the parent watch). */
export function stopOnSignals(options: ShutdownOptions): () => void {
  const proc = options.process ?? process;
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const parent = proc.ppid;
  let stopping = false;

  function begin(reason: string): void {
    if (stopping) {
      // A second Ctrl-C: the user does not want to wait for the graceful stop.
      write(`${reason} again: exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    clearInterval(watch);
    write(`${reason}: stopping`);
    const grace = setTimeout(() => {
      write('the graceful stop took too long: exiting');
      exit(1);
    }, options.graceMs ?? 10_000);
    grace.unref();
    options.stop().then(
      () => exit(0),
      (error: unknown) => {
        write(`stopping failed: ${(error as Error).message}`);
        exit(1);
      },
    );
  }

  const handlers = SIGNALS.map((signal) => [signal, () => begin(signal)] as const);
  for (const [signal, handler] of handlers) proc.on(signal, handler);
  const watch = setInterval(() => {
    if (proc.ppid !== parent) begin(`parent process ${parent} exited`);
  }, options.parentPollMs ?? 1000);
  watch.unref();

  return () => {
    clearInterval(watch);
    for (const [signal, handler] of handlers) proc.removeListener(signal, handler);
  };
}
