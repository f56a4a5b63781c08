/**
 * An execution environment whose runtime is gone (crashed, or killed with SIGKILL before it
 * could end its environments) exits, even when its handler holds the event loop open (an
 * SDK client's keep-alive sockets, a timer): no function process outlives its runtime.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const BOOTSTRAP = fileURLToPath(new URL('../../local-runtime/runner/bootstrap.mjs', import.meta.url));
const codeDir = mkdtempSync(join(tmpdir(), 'topicast-orphan-'));
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

it('exits when the runtime that started it disconnects, though its handler keeps the event loop busy', async () => {
  writeFileSync(join(codeDir, 'index.mjs'), 'setInterval(() => undefined, 1000);\nexport const handler = async () => "ok";\n');
  const child = fork(BOOTSTRAP, [], { cwd: codeDir, env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: codeDir, _HANDLER: 'index.handler' }, execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.disconnect();
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running after 5 s'), 5000))])).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});
