/**
 * The long-running commands' argument parser: every mistake is one message (then the
 * caller prints the usage and exits 2), including npm swallowing options written without `--`.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, usageLine, usageText, type OptionSpecs } from '../../cli/command-line.js';

const OPTIONS: OptionSpecs = {
  port: { type: 'string', placeholder: 'N', description: 'the port' },
  quiet: { type: 'boolean', description: 'no request lines' },
  channel: { type: 'string', multiple: true, placeholder: 'FILE', description: 'a module' },
  'lifecycle-events': { type: 'boolean', description: 'events' },
};
const context = { invocation: 'npm start --', env: {} };

describe('parseCommandLine', () => {
  it('reads strings, booleans, repeated and inline values', () => {
    expect(parseCommandLine(['--port', '3002', '--quiet', '--channel', 'a.ts', '--channel=b.ts'], OPTIONS, context)).toEqual({
      kind: 'run',
      values: { port: '3002', quiet: true, channel: ['a.ts', 'b.ts'] },
    });
    expect(parseCommandLine([], OPTIONS, context)).toEqual({ kind: 'run', values: {} });
    expect(parseCommandLine(['--help'], OPTIONS, context)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-h'], OPTIONS, context)).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['-p', '1'], 'unknown option -p'],
    [['--port'], '--port needs a value (--port N)'],
    [['--port', '--quiet'], '--port needs a value (--port N)'],
    [['--quiet=yes'], '--quiet takes no value (got --quiet=yes)'],
    [['room.ts'], 'unexpected argument "room.ts" (options start with --; npm start -- --help lists them)'],
  ])('refuses %j with one message', (argv, message) => {
    expect(parseCommandLine(argv, OPTIONS, context)).toEqual({ kind: 'usage-error', message });
  });

  it('explains `npm start --channel x`: npm kept --channel and passed x alone', () => {
    // What npm 11 hands the script for `npm start --channel room.ts`.
    const env = { npm_lifecycle_event: 'start', npm_config_channel: 'true' };
    expect(parseCommandLine(['room.ts'], OPTIONS, { ...context, env })).toEqual({
      kind: 'usage-error',
      message: 'unexpected argument "room.ts": npm kept --channel for itself (npm reads the options before "--" as its own). Write: npm start -- --channel room.ts',
    });
  });

  it('explains `npm start --lifecycle-events`: npm kept a flag, with no stray argument to show for it', () => {
    const env = { npm_lifecycle_event: 'start', npm_config_lifecycle_events: 'true' };
    expect(parseCommandLine([], OPTIONS, { ...context, env })).toEqual({
      kind: 'usage-error',
      message: 'npm kept --lifecycle-events for itself (npm reads the options before "--" as its own). Write: npm start -- --lifecycle-events',
    });
    // Given after `--` as well, it reached the command: nothing to explain.
    expect(parseCommandLine(['--lifecycle-events'], OPTIONS, { ...context, env })).toEqual({ kind: 'run', values: { 'lifecycle-events': true } });
  });

  it('prints one usage line, and every option under --help', () => {
    expect(usageLine('npm start --', OPTIONS)).toBe('usage: npm start -- [--port N] [--quiet] [--channel FILE ...] [--lifecycle-events] [--help]');
    expect(usageText('npm start --', OPTIONS).split('\n').slice(2, 4)).toEqual(['  --port N            the port', '  --quiet             no request lines']);
  });
});
