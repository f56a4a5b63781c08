/**
 * `topicast local --app` synthesizes once per set of inputs: the same files and context
 * run the kept assembly again; an edited file synthesizes anew.
 */
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { synthesizeCached } from '../../local-runtime/assembly/assembly-cache.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/simple-chat', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'topicast-assembly-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('reuses the assembly of unchanged inputs and context, and synthesizes again after an edit', async () => {
  const appDir = join(work, 'app');
  const cacheDir = join(work, 'cache');
  cpSync(FIXTURE, appDir, { recursive: true });
  symlinkSync(NODE_MODULES, join(appDir, 'node_modules'));

  const first = await synthesizeCached({ appDir, cacheDir });
  expect(first.reused).toBe(false);
  expect(existsSync(join(first.assemblyDir, 'SimpleChat.template.json'))).toBe(true);
  expect(await synthesizeCached({ appDir, cacheDir })).toEqual({ assemblyDir: first.assemblyDir, reused: true });

  appendFileSync(join(appDir, 'handlers', 'sendmessage', 'app.js'), '\n// edited\n');
  const edited = await synthesizeCached({ appDir, cacheDir });
  expect(edited.reused).toBe(false);
  expect(edited.assemblyDir).not.toBe(first.assemblyDir);
  // Nothing half-written is left beside the kept assemblies.
  expect(readdirSync(cacheDir).sort()).toEqual([first.assemblyDir, edited.assemblyDir].map((dir) => dir.slice(cacheDir.length + 1)).sort());
});
