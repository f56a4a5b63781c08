/**
 * Functions whose construct left their bundling to the runtime (a `topicast:localBundle`
 * record, as topicast's constructs write when `topicast local` synthesizes): one esbuild
 * build of all entries, each to a code folder of its own; in watch mode an edit of a
 * source file rebuilds, rewrites only the bundles it changed, and the next invocation of
 * those functions runs the new code.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionModel } from '../../local-runtime/assembly/local-app.js';
import type { LocalBundleSpec } from '../../local-runtime/assembly/local-bundling.js';
import { watchFunctionCode } from '../../local-runtime/runner/code-watcher.js';
import { FunctionRunner } from '../../local-runtime/runner/function-runner.js';
import { buildLocalBundles, type LocalBundles } from '../../local-runtime/runner/local-bundles.js';

const BANNER = '/* banner of the recorded bundling */';

/** An execution environment of the built function, as the runtime starts it (bootstrap.mjs reads these). */
function runnerOf(fn: FunctionModel): FunctionRunner {
  return new FunctionRunner(fn, { environment: { PATH: process.env.PATH ?? '', _HANDLER: fn.handler, LAMBDA_TASK_ROOT: fn.codeDir }, log: () => undefined });
}

function functionOf(logicalId: string, bundle: LocalBundleSpec): FunctionModel {
  return { logicalId, stackName: 'Test', functionName: `Test-${logicalId}`, arn: `arn:aws:lambda:us-east-1:000000000000:function:Test-${logicalId}`, codeDir: '/placeholder', handler: 'index.handler', runtime: 'nodejs22.x', environment: {}, timeoutSeconds: 10, memoryMb: 128, roleArn: undefined, bundle };
}

describe('local bundles', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function sources(): string {
    const dir = mkdtempSync(join(tmpdir(), 'topicast-bundle-src-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'hello';\n");
    writeFileSync(join(dir, 'a.ts'), "import { greeting } from './shared.js';\nexport const handler = async () => `${greeting} from a`;\n");
    writeFileSync(join(dir, 'b.ts'), "export async function handler() { return 'b'; }\n");
    return dir;
  }

  const spec = (entry: string): LocalBundleSpec => ({ entry, handlerExport: 'handler', format: 'esm', target: 'node20', banner: BANNER, external: [] });

  async function build(dir: string, watch: boolean): Promise<LocalBundles> {
    const logs: string[] = [];
    const bundles = await buildLocalBundles([functionOf('A', spec(join(dir, 'a.ts'))), functionOf('B', spec(join(dir, 'b.ts')))], { watch, log: (line) => logs.push(line) });
    cleanups.push(() => bundles.close());
    return bundles;
  }

  it('builds each recorded entry into a code folder of its own, with the recorded options', async () => {
    const bundles = await build(sources(), false);
    const [a, b] = bundles.functions as [FunctionModel, FunctionModel];
    expect(a.codeDir).not.toBe(b.codeDir);
    expect(a.handler).toBe('index.handler');
    const bundleA = readFileSync(join(a.codeDir, 'index.mjs'), 'utf8');
    expect(bundleA.startsWith(BANNER)).toBe(true);
    expect(bundleA).toContain('hello');
    const runner = runnerOf(a);
    cleanups.push(() => runner.reset());
    expect(await runner.invoke({})).toMatchObject({ status: 'returned', result: 'hello from a' });
  });

  it('keeps functions without a record as the template has them', async () => {
    const plain: FunctionModel = { ...functionOf('Plain', spec('/unused')), codeDir: '/their/asset' };
    delete (plain as { bundle?: LocalBundleSpec }).bundle;
    const bundles = await buildLocalBundles([plain], { log: () => undefined });
    expect(bundles.functions).toEqual([plain]);
  });

  it('refuses to start when an entry does not build, naming the error', async () => {
    const dir = sources();
    writeFileSync(join(dir, 'b.ts'), "import { missing } from './nowhere.js';\nexport const handler = missing;\n");
    await expect(build(dir, false)).rejects.toThrow(/bundling the functions failed:[\s\S]*nowhere/);
  });

  it('rebuilds on an edit: only the bundles it changes are rewritten, and the next invocation runs the new code', async () => {
    const dir = sources();
    const bundles = await build(dir, true);
    const [a, b] = bundles.functions as [FunctionModel, FunctionModel];
    const runner = runnerOf(a);
    cleanups.push(() => runner.reset());
    const watcher = watchFunctionCode([runner], () => undefined);
    cleanups.push(() => watcher.close());
    expect(await runner.invoke({})).toMatchObject({ result: 'hello from a' });
    const bModified = statSync(join(b.codeDir, 'index.mjs')).mtimeMs;

    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'bonjour';\n");
    await expect.poll(() => readFileSync(join(a.codeDir, 'index.mjs'), 'utf8').includes('bonjour'), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => ((await runner.invoke({})) as { result?: unknown }).result, { timeout: 10_000 }).toBe('bonjour from a');
    expect(statSync(join(b.codeDir, 'index.mjs')).mtimeMs).toBe(bModified);
  });
});

describe('local bundles kept between starts', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function temporary(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  const spec = (entry: string): LocalBundleSpec => ({ entry, handlerExport: 'handler', format: 'esm', target: 'node20', external: [] });

  async function start(dir: string, cacheDir: string, watch = false): Promise<LocalBundles> {
    const bundles = await buildLocalBundles([functionOf('A', spec(join(dir, 'a.ts')))], { watch, log: () => undefined, cacheDir });
    cleanups.push(() => bundles.close());
    return bundles;
  }

  async function invoke(bundles: LocalBundles): Promise<unknown> {
    const runner = runnerOf(bundles.functions[0] as FunctionModel);
    cleanups.push(() => runner.reset());
    return ((await runner.invoke({})) as { result?: unknown }).result;
  }

  it('reuses the build of unchanged sources, and bundles again once a source changed', async () => {
    const dir = temporary('topicast-bundle-src-');
    const cacheDir = temporary('topicast-bundle-kept-');
    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'hello';\n");
    writeFileSync(join(dir, 'a.ts'), "import { greeting } from './shared.js';\nexport const handler = async () => `${greeting} from a`;\n");

    const first = await start(dir, cacheDir);
    expect(first.reused).toBe(false);
    const second = await start(dir, cacheDir);
    expect(second.reused).toBe(true);
    expect(await invoke(second)).toBe('hello from a');

    // A shared module, not the entry: every input the build read is checked.
    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'bonjour';\n");
    const third = await start(dir, cacheDir);
    expect(third.reused).toBe(false);
    expect(await invoke(third)).toBe('bonjour from a');
  });

  it('in watch mode, a start from a kept build rewrites nothing until an edit, then only what the edit changed', async () => {
    const dir = temporary('topicast-bundle-src-');
    const cacheDir = temporary('topicast-bundle-kept-');
    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'hello';\n");
    writeFileSync(join(dir, 'a.ts'), "import { greeting } from './shared.js';\nexport const handler = async () => `${greeting} from a`;\n");
    await start(dir, cacheDir);

    const bundles = await start(dir, cacheDir, true);
    expect(bundles.reused).toBe(true);
    const file = join((bundles.functions[0] as FunctionModel).codeDir, 'index.mjs');
    const copiedAt = statSync(file).mtimeMs;
    // The background build has run by the time a rebuild it primed answers an edit; until then it wrote nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(statSync(file).mtimeMs).toBe(copiedAt);
    writeFileSync(join(dir, 'shared.ts'), "export const greeting: string = 'bonjour';\n");
    await expect.poll(() => readFileSync(file, 'utf8').includes('bonjour'), { timeout: 10_000 }).toBe(true);
  });
});
