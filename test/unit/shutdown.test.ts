/**
 * How long-running commands end: a signal stops them gracefully once (a second one exits at
 * once), and so does their parent going away (npm's shell dies on SIGTERM without passing it on).
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { stopOnSignals } from '../../cli/shutdown.js';

class FakeProcess extends EventEmitter {
  public ppid = 100;
}

const disposers: (() => void)[] = [];
afterEach(() => disposers.splice(0).forEach((dispose) => dispose()));

function install(stop: () => Promise<void> = async () => undefined) {
  const proc = new FakeProcess();
  const lines: string[] = [];
  const exits: number[] = [];
  let stops = 0;
  const exited = new Promise<number>((resolve) => {
    disposers.push(
      stopOnSignals({
        stop: () => {
          stops += 1;
          return stop();
        },
        process: proc as unknown as NodeJS.Process,
        write: (line) => lines.push(line),
        exit: (code) => {
          exits.push(code);
          resolve(code);
        },
        parentPollMs: 10,
      }),
    );
  });
  return { proc, lines, exits, exited, stops: () => stops };
}

describe('stopOnSignals', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'])('stops on %s and exits 0', async (signal) => {
    const run = install();
    run.proc.emit(signal);
    expect(await run.exited).toBe(0);
    expect(run.lines).toEqual([`${signal}: stopping`]);
    expect(run.stops()).toBe(1);
  });

  it('stops when the parent process goes away (re-parented to init)', async () => {
    const run = install();
    run.proc.ppid = 1;
    expect(await run.exited).toBe(0);
    expect(run.lines).toEqual(['parent process 100 exited: stopping']);
  });

  it('exits 1 at once on a second signal during a slow stop, and 1 when the stop fails', async () => {
    const slow = install(() => new Promise(() => undefined));
    slow.proc.emit('SIGINT');
    slow.proc.emit('SIGINT');
    expect(await slow.exited).toBe(1);
    expect(slow.lines).toEqual(['SIGINT: stopping', 'SIGINT again: exiting now']);

    const failing = install(() => Promise.reject(new Error('port stuck')));
    failing.proc.emit('SIGTERM');
    expect(await failing.exited).toBe(1);
    expect(failing.lines).toEqual(['SIGTERM: stopping', 'stopping failed: port stuck']);
  });
});
