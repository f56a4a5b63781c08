/**
 * Kept builds of runner/local-bundles.ts: a start whose functions' sources did not change
 * since an earlier build copies that build's outputs instead of bundling again (esbuild
 * bundling every function of topicast is most of a start with a kept assembly: seconds on a
 * busy machine, a copy takes milliseconds).
 *
 * A build is kept under the hash of what shapes its outputs (the esbuild options but the
 * output folder, esbuild's version, the working folder its metafile's paths are relative
 * to), with its metafile and the size and modification time of every input the metafile
 * lists, node_modules included. It is reused only when every one of those inputs is
 * unchanged. A build during which an input changed is not kept (its outputs may hold the
 * older text). Written to a temporary folder and renamed into place: processes starting side
 * by side never see half a kept build.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { version as esbuildVersion, type BuildOptions, type Metafile } from 'esbuild';
import { keepNewest } from '../keep-newest.js';

interface InputStat {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

interface KeptManifest {
  readonly metafile: Metafile;
  readonly inputs: readonly InputStat[];
  /** Output files, relative to the output folder. */
  readonly outputs: readonly string[];
}

// A start keeps its own build and those of other option sets (tests start several apps).
const KEEP = 8;
const MANIFEST = 'manifest.json';

export function keptBuildKey(options: BuildOptions, workingDir: string): string {
  const { outdir: _outdir, ...shaping } = options;
  return createHash('sha256').update(JSON.stringify({ shaping, esbuildVersion, workingDir, node: process.version })).digest('hex').slice(0, 32);
}

function statOf(path: string): InputStat | undefined {
  try {
    const stat = statSync(path);
    return { path, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Copies a kept build of `key` into `outdir` and answers its metafile, when every input is unchanged. */
export function reuseKeptBuild(cacheDir: string, key: string, outdir: string): Metafile | undefined {
  const keptDir = join(cacheDir, key);
  let manifest: KeptManifest;
  try {
    manifest = JSON.parse(readFileSync(join(keptDir, MANIFEST), 'utf8')) as KeptManifest;
  } catch {
    return undefined;
  }
  for (const input of manifest.inputs) {
    const now = statOf(input.path);
    if (!now || now.size !== input.size || now.mtimeMs !== input.mtimeMs) return undefined;
  }
  try {
    for (const output of manifest.outputs) {
      mkdirSync(dirname(join(outdir, output)), { recursive: true });
      copyFileSync(join(keptDir, 'out', output), join(outdir, output));
    }
  } catch {
    return undefined; // pruned by another process meanwhile: build instead
  }
  return manifest.metafile;
}

/** Keeps a build that started at `startedAt` (Date.now()) unless one of its inputs changed since. */
export function keepBuild(cacheDir: string, key: string, outdir: string, workingDir: string, metafile: Metafile, startedAt: number): void {
  try {
    const inputs: InputStat[] = [];
    for (const input of Object.keys(metafile.inputs)) {
      if (input.includes(':')) continue; // esbuild's own namespaces
      const stat = statOf(resolvePath(workingDir, input));
      if (!stat || stat.mtimeMs > startedAt) return;
      inputs.push(stat);
    }
    const outputs = Object.keys(metafile.outputs).map((output) => relative(outdir, resolvePath(workingDir, output)));
    mkdirSync(cacheDir, { recursive: true });
    const staging = join(cacheDir, `.${key}-${randomBytes(4).toString('hex')}`);
    for (const output of outputs) {
      mkdirSync(dirname(join(staging, 'out', output)), { recursive: true });
      copyFileSync(join(outdir, output), join(staging, 'out', output));
    }
    writeFileSync(join(staging, MANIFEST), JSON.stringify({ metafile, inputs, outputs } satisfies KeptManifest));
    const keptDir = join(cacheDir, key);
    rmSync(keptDir, { recursive: true, force: true });
    try {
      renameSync(staging, keptDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process kept it first
    }
    // Staging folders (dot names) are no kept builds; a build is dated by its manifest, written last.
    keepNewest(cacheDir, { keep: KEEP, isEntry: (name) => !name.startsWith('.'), datedBy: MANIFEST, current: key });
  } catch {
    // Keeping is an optimisation: a full disk or a race costs the next start a build, nothing else.
  }
}
