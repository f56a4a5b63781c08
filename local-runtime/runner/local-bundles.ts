/**
 * Builds the functions whose template code is a placeholder (their construct recorded a
 * bundle instead: assembly/local-bundling.ts) with ONE esbuild build of all their entries,
 * the options NodejsFunction would have used, each entry to a folder of its own
 * (`<entry>/index.mjs`) that becomes the function's code folder. esbuild parses a module
 * shared by fifteen entries once, where NodejsFunction starts fifteen esbuild processes.
 *
 * In watch mode the build stays open: a change to one of its source files (those outside
 * node_modules, from the build's metafile) rebuilds, and esbuild rewrites only the outputs
 * that changed, so only their functions reload (runner/code-watcher.ts watches the
 * output folders).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve as resolvePath } from 'node:path';
import { context as esbuildContext, type BuildContext, type BuildOptions, type Message, type Metafile } from 'esbuild';
import type { FunctionModel } from '../assembly/local-app.js';
import type { LocalBundleSpec } from '../assembly/local-bundling.js';

export interface LocalBundles {
  /** Every function, those with a recorded bundle now naming their built folder and `index.<export>`. */
  readonly functions: FunctionModel[];
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
}

// Editors save in several writes; one rebuild for them all.
const SETTLE_MS = 25;

/** One esbuild build (the entries of equal options), and what watches its sources. */
interface Build {
  readonly context: BuildContext;
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
    logLevel: 'silent',
  };
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
  if (bundled.length === 0) return { functions: [...functions], close: () => Promise.resolve() };
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
  const builds: Build[] = [];
  let closed = false;
  try {
    for (const { spec, entries } of groups.values()) {
      const context = await esbuildContext(esbuildOptions(spec, [...entries], outdir));
      const build: Build = { context, watchers: new Map<string, FSWatcher>(), files: new Set<string>(), timer: undefined };
      builds.push(build);
      const first = await context.rebuild().catch((error: { errors?: Message[] }) => {
        throw new Error(`bundling the functions failed:\n${describe(error.errors ?? [])}`, { cause: error });
      });
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
          build.context.rebuild().then(
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
