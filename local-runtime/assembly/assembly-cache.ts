/**
 * Synthesis once per set of inputs: `topicast local --app` keeps the assembly it
 * synthesized, keyed by what the synthesis read (cdk.json's app command, the context, the
 * Node.js version, and the path, size and modification time of every file under the app's
 * folder), and runs it again without synthesizing when nothing changed. A CDK app with
 * bundled functions takes tens of seconds to synthesize on a busy machine; reading a kept
 * assembly takes milliseconds.
 *
 * Files outside the app's folder (a channel module named by an absolute path elsewhere,
 * a linked package being edited) are not in the key: `--no-cache` synthesizes anyway.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { keepNewest } from '../keep-newest.js';
import { synthesize, type SynthOptions } from './synthesize.js';

export interface CachedSynthOptions extends Omit<SynthOptions, 'outDir'> {
  /** Where kept assemblies live. @default <tmpdir>/topicast-local-assemblies */
  readonly cacheDir?: string;
  /** How many assemblies to keep (the newest). @default 3 */
  readonly keep?: number;
}

export interface CachedSynthesis {
  readonly assemblyDir: string;
  /** Whether the assembly was kept from an earlier synthesis of the same inputs. */
  readonly reused: boolean;
}

// Never inputs of a synthesis: dependencies (their lock file is), outputs, version control, tool state.
const SKIPPED = new Set(['node_modules', 'cdk.out', '.git']);
const COMPLETE = '.topicast-complete';

export async function synthesizeCached(options: CachedSynthOptions): Promise<CachedSynthesis> {
  const appDir = resolvePath(options.appDir);
  const cacheDir = options.cacheDir ?? join(tmpdir(), 'topicast-local-assemblies');
  const key = inputKey(appDir, options);
  const assemblyDir = join(cacheDir, key);
  if (existsSync(join(assemblyDir, COMPLETE))) return { assemblyDir, reused: true };
  mkdirSync(cacheDir, { recursive: true });
  // Several processes may ask for one assembly at once (test files side by side, two terminals):
  // one synthesizes, the others wait for it and reuse it.
  const lock = `${assemblyDir}.lock`;
  while (!tryLock(lock)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (existsSync(join(assemblyDir, COMPLETE))) return { assemblyDir, reused: true };
  }
  try {
    if (existsSync(join(assemblyDir, COMPLETE))) return { assemblyDir, reused: true };
    return await synthesizeInto(assemblyDir, cacheDir, key, options);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// A lock left by a process that died mid-synthesis is taken over once this old.
const STALE_LOCK_MS = 5 * 60_000;

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // Released meanwhile: the next try takes it.
    }
    return false;
  }
}

async function synthesizeInto(assemblyDir: string, cacheDir: string, key: string, options: CachedSynthOptions): Promise<CachedSynthesis> {
  // Synthesized in place (without staging, a template names its bundles by absolute path, so
  // the folder cannot be moved afterwards) and marked complete last: a synthesis that failed
  // or was interrupted is never reused.
  rmSync(assemblyDir, { recursive: true, force: true });
  try {
    await synthesize({ ...options, outDir: assemblyDir });
  } catch (error) {
    rmSync(assemblyDir, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(assemblyDir, COMPLETE), new Date().toISOString());
  // The `keep` newest assemblies, and the one just made.
  keepNewest(cacheDir, { keep: options.keep ?? 3, isEntry: (name) => /^[0-9a-f]{32}$/.test(name), current: key });
  return { assemblyDir, reused: false };
}

function inputKey(appDir: string, options: CachedSynthOptions): string {
  const hash = createHash('sha256');
  const cdkJson = join(appDir, 'cdk.json');
  hash.update(JSON.stringify({ appDir, context: options.context ?? {}, staging: options.staging ?? true, node: process.version, cdkJson: existsSync(cdkJson) ? readFileSync(cdkJson, 'utf8') : null }));
  const walk = (dir: string, relative: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${relative}${entry.name}/`);
      else if (entry.isFile()) {
        const stat = statSync(path);
        hash.update(`${relative}${entry.name}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(appDir, '');
  return hash.digest('hex').slice(0, 32);
}
