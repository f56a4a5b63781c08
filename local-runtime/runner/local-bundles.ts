/**
 * Builds the functions whose template code is a placeholder (their construct recorded a
 * bundle instead: assembly/local-bundling.ts) with ONE esbuild build of all their entries,
 * the options NodejsFunction would have used, each entry to a folder of its own
 * (`<entry>/index.mjs`) that becomes the function's code folder. esbuild parses a module
 * shared by fifteen entries once, where NodejsFunction starts fifteen esbuild processes.
 *
 * In watch mode the build stays open: a change to one of its source files (those outside
 * node_modules, from the build's metafile) rebuilds, and only the outputs whose bytes
 * changed are rewritten, so only their functions reload (runner/code-watcher.ts watches the
 * output folders).
 *
 * A build whose inputs did not change since an earlier start is not run again: its kept
 * outputs are copied (runner/bundle-cache.ts). In watch mode the build then runs once in the
 * background, so that the first edit rebuilds incrementally; its outputs equal the kept
 * ones, so nothing is rewritten and nothing reloads.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve as resolvePath } from 'node:path';
import { context as esbuildContext, type BuildContext, type BuildOptions, type BuildResult, type Message, type Metafile, type OutputFile } from 'esbuild';
import type { FunctionModel } from '../assembly/local-app.js';
import type { LocalBundleSpec } from '../assembly/local-bundling.js';
import { keepBuild, keptBuildKey, reuseKeptBuild } from './bundle-cache.js';

export interface LocalBundles {
  /** Every function, those with a recorded bundle now naming their built folder and `index.<export>`. */
  readonly functions: FunctionModel[];
  /** Whether every build was a kept one: nothing was bundled at this start (false when there is nothing to bundle). */
  readonly reused: boolean;
  /** Stops watching and removes the built folders. */
  close(): Promise<void>;
}

export interface LocalBundlesOptions {
  /** Rebuild when a source file changes. @default false */
  readonly watch?: boolean;
  /** Build errors and rebuilds are reported here. */
  readonly log: (line: string) => void;
  /** Where the folders go. @default a new temporary folder */
  readonly outDir?: string;
  /** Where builds are kept for the next start; false keeps none. @default <tmpdir>/topicast-local-bundles-kept */
  readonly cacheDir?: string | false;
}

// Editors save in several writes; one rebuild for them all.
const SETTLE_MS = 25;

/** One esbuild build (the entries of equal options), and what watches its sources. */
interface Build {
  readonly context: BuildContext;
  /** Runs the build and writes the outputs that changed; one at a time. */
  readonly rebuild: () => Promise<BuildResult>;
  readonly watchers: Map<string, FSWatcher>;
  files: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

/** The options of a spec other than its entry: entries with equal options share one build. */
function buildKey(spec: LocalBundleSpec): string {
  const { entry: _entry, handlerExport: _handlerExport, ...options } = spec;
  return JSON.stringify(options);
}

function outName(entry: string): string {
  return `${basename(entry, extname(entry))}-${createHash('sha256').update(entry).digest('hex').slice(0, 8)}`;
}

function esbuildOptions(spec: LocalBundleSpec, entries: readonly string[], outdir: string): BuildOptions {
  return {
    entryPoints: entries.map((entry) => ({ in: entry, out: `${outName(entry)}/index` })),
    outdir,
    bundle: true,
    platform: 'node',
    target: spec.target,
    format: spec.format,
    outExtension: spec.format === 'esm' ? { '.js': '.mjs' } : { '.js': '.js' },
    ...(spec.mainFields ? { mainFields: [...spec.mainFields] } : {}),
    ...(spec.banner ? { banner: { js: spec.banner } } : {}),
    external: [...(spec.external ?? [])],
    ...(spec.alias ? { alias: { ...spec.alias } } : {}),
    minify: spec.minify === true,
    metafile: true,
    // Written by writeChanged: a new build context's own write rewrites every output, changed or not.
    write: false,
    logLevel: 'silent',
  };
}

/** Writes the outputs whose bytes differ from the files there. */
function writeChanged(outputFiles: readonly OutputFile[]): void {
  for (const file of outputFiles) {
    const contents = Buffer.from(file.contents.buffer, file.contents.byteOffset, file.contents.byteLength);
    try {
      if (readFileSync(file.path).equals(contents)) continue;
    } catch {
      // not there yet
    }
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, contents);
  }
}

function describe(messages: readonly Message[]): string {
  return messages.map((message) => `${message.location ? `${message.location.file}:${message.location.line}: ` : ''}${message.text}`).join('\n');
}

/** Source files of a build that a user may edit: not node_modules, not esbuild's own namespaces. */
function sourceFiles(metafile: Metafile | undefined, workingDir: string): string[] {
  return Object.keys(metafile?.inputs ?? {})
    .filter((input) => !input.includes('node_modules/') && !input.includes(':'))
    .map((input) => resolvePath(workingDir, input));
}

export async function buildLocalBundles(functions: readonly FunctionModel[], options: LocalBundlesOptions): Promise<LocalBundles> {
  const bundled = functions.filter((fn) => fn.bundle !== undefined);
  if (bundled.length === 0) return { functions: [...functions], reused: false, close: () => Promise.resolve() };
  const outdir = options.outDir ?? mkdtempSync(join(tmpdir(), 'topicast-local-bundles-'));
  const groups = new Map<string, { spec: LocalBundleSpec; entries: Set<string> }>();
  for (const fn of bundled) {
    const spec = fn.bundle as LocalBundleSpec;
    const key = buildKey(spec);
    const group = groups.get(key) ?? { spec, entries: new Set<string>() };
    group.entries.add(spec.entry);
    groups.set(key, group);
  }
  const workingDir = process.cwd();
  const cacheDir = options.cacheDir ?? join(tmpdir(), 'topicast-local-bundles-kept');
  const builds: Build[] = [];
  let closed = false;
  let reused = true;
  try {
    for (const { spec, entries } of groups.values()) {
      const buildOptions = esbuildOptions(spec, [...entries], outdir);
      const key = keptBuildKey(buildOptions, workingDir);
      const startedAt = Date.now();
      const kept = cacheDir === false ? undefined : reuseKeptBuild(cacheDir, key, outdir);
      if (kept && !options.watch) continue;
      const context = await esbuildContext(buildOptions);
      let queue: Promise<unknown> = Promise.resolve();
      const rebuild = (): Promise<BuildResult> => {
        const run = queue.then(async () => {
          const result = await context.rebuild();
          // Ended meanwhile: its folder is gone and must stay gone.
          if (!closed) writeChanged(result.outputFiles ?? []);
          return result;
        });
        queue = run.catch(() => undefined);
        return run;
      };
      const build: Build = { context, rebuild, watchers: new Map<string, FSWatcher>(), files: new Set<string>(), timer: undefined };
      builds.push(build);
      if (kept) {
        watchSources(build, kept);
        rebuild().then(
          (result) => {
            if (!closed) watchSources(build, result.metafile);
          },
          (error: { errors?: Message[] }) => {
            if (!closed) options.log(`bundling failed (the functions keep their last build):\n${describe(error.errors ?? [])}`);
          },
        );
        continue;
      }
      reused = false;
      const first = await rebuild().catch((error: { errors?: Message[] }) => {
        throw new Error(`bundling the functions failed:\n${describe(error.errors ?? [])}`, { cause: error });
      });
      if (cacheDir !== false && first.metafile) keepBuild(cacheDir, key, outdir, workingDir, first.metafile, startedAt);
      if (options.watch) watchSources(build, first.metafile);
    }
  } catch (error) {
    await Promise.all(builds.map(({ context }) => context.dispose()));
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }

  /** Watches the folders of the build's source files; a change to one of those files rebuilds. */
  function watchSources(build: Build, metafile: Metafile | undefined): void {
    build.files = new Set(sourceFiles(metafile, workingDir));
    const dirs = new Set([...build.files].map((file) => dirname(file)));
    for (const [dir, watcher] of build.watchers) {
      if (dirs.has(dir)) continue;
      watcher.close();
      build.watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (build.watchers.has(dir)) continue;
      const watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || !build.files.has(join(dir, String(file))) || build.timer) return;
        build.timer = setTimeout(() => {
          build.timer = undefined;
          build.rebuild().then(
            (result) => {
              if (!closed) watchSources(build, result.metafile);
            },
            (error: { errors?: Message[] }) => options.log(`bundling failed (the functions keep their last build):\n${describe(error.errors ?? [])}`),
          );
        }, SETTLE_MS);
      });
      watcher.on('error', () => watcher.close());
      build.watchers.set(dir, watcher);
    }
  }

  return {
    functions: functions.map((fn) => (fn.bundle ? { ...fn, codeDir: join(outdir, outName(fn.bundle.entry)), handler: `index.${fn.bundle.handlerExport}` } : fn)),
    reused,
    async close() {
      closed = true;
      for (const build of builds) {
        clearTimeout(build.timer);
        for (const watcher of build.watchers.values()) watcher.close();
      }
      await Promise.all(builds.map(({ context }) => context.dispose()));
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
