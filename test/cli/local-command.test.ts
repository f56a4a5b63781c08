/**
 * `topicast local`'s command line goes through the same parser as the other long-running
 * commands: one-line mistakes with exit status 2, `-c` as the CDK CLI spells it, and the
 * option npm kept for itself named.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { parseLocalArgs } from '../../cli/local-command.js';

async function run(argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => (out += text), err: (text) => (err += text), env });
  return { code, out, err };
}

describe('topicast local: command line', () => {
  it('takes -c and --context pairs, the port from PORT, and the data dir', () => {
    expect(parseLocalArgs(['-c', 'stage=dev', '--context', 'auth=none', '--data-dir', 'd', '--quiet'], { PORT: '4000' })).toEqual({
      appDir: '.',
      assemblyDir: undefined,
      port: 4000,
      quiet: true,
      dataDir: 'd',
      context: { stage: 'dev', auth: 'none' },
      secretValues: {},
      watch: true,
      cache: true,
    });
    expect(parseLocalArgs(['--no-watch', '--no-cache', '--secret', 'TokenSecret=s3=cr3t'], {})).toMatchObject({ watch: false, cache: false, secretValues: { TokenSecret: 's3=cr3t' } });
  });

  it.each([
    [['local', '--bogus'], 'topicast local: unknown option --bogus'],
    [['local', '--port'], 'topicast local: --port needs a value (--port N)'],
    [['local', '-c'], 'topicast local: -c needs a value (-c KEY=VALUE)'],
    [['local', '-c', 'novalue'], 'topicast local: --context takes KEY=VALUE, got novalue'],
    [['local', '--secret', 'x'], 'topicast local: --secret takes ID=VALUE, got x'],
    [['local', '--port', '70000'], 'topicast local: invalid port 70000 (an integer from 0 to 65535)'],
    [['local', '--app', '.', '--assembly', 'cdk.out'], 'topicast local: give --app or --assembly, not both'],
    [['local', 'cdk.out'], 'topicast local: unexpected argument "cdk.out" (options start with --; topicast local --help lists them)'],
  ])('%j exits 2 with one line and where the options are', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(message);
    expect(result.err).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  });

  it('names the option npm kept for itself', async () => {
    const result = await run(['local', 'x'], { npm_lifecycle_event: 'local', npm_config_app: 'true' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('npm kept --app for itself');
  });

  it('lists every option in its help', async () => {
    const result = await run(['local', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--app DIR', '--assembly CDK_OUT', '--port N', '--quiet', '--data-dir DIR', '--context KEY=VALUE', '--no-watch', '--no-cache']) expect(result.out).toContain(option);
  });
});
