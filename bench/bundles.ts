/**
 * Cold start figures per Lambda: each handler bundled with esbuild exactly as the CDK
 * construct bundles it (lib/realtime-api.ts: ESM, minified, node24 target, the
 * createRequire banner, the bundle aliases, nothing external), then its size, and its module init time: the
 * time to `import()` the bundle in a fresh `node` process with Lambda's environment
 * variables set (so clients are built at module scope, as in the init phase).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { channelEntry, runsChannelCode } from '../lib/channel-entries.js';
import { BUNDLE_ALIASES, ESBUILD_TARGET, ESM_REQUIRE_BANNER, HANDLER_FILES, handlerEntry } from '../lib/realtime-api-defaults.js';

export type FunctionName = keyof typeof HANDLER_FILES;

export interface BundleFigures {
  readonly bundle_kb: Record<string, number>;
  readonly init_ms: Record<string, number>;
  /** Top-level packages in each bundle, by bytes, for the docs. */
  readonly packages: Record<string, Record<string, number>>;
}

export interface BundleOptions {
  /** Functions to bundle. @default all */
  readonly names?: readonly FunctionName[];
  /** Channel modules, bundled into the functions that run them as the construct's `channels` prop does. @default [] */
  readonly channels?: readonly string[];
}

export async function bundleFunctions(outDir: string, options: BundleOptions = {}): Promise<Record<string, { file: string; bytes: number; metafile: Metafile }>> {
  const out: Record<string, { file: string; bytes: number; metafile: Metafile }> = {};
  const channels = options.channels ?? [];
  for (const name of options.names ?? (Object.keys(HANDLER_FILES) as FunctionName[])) {
    const file = join(outDir, name.replace('$', ''), 'index.mjs');
    const result = await build({
      entryPoints: [channels.length > 0 && runsChannelCode(name) ? channelEntry(name, channels) : handlerEntry(name)],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: ESBUILD_TARGET,
      minify: true,
      sourcemap: false,
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      alias: BUNDLE_ALIASES,
      metafile: true,
      logLevel: 'silent',
    });
    out[name] = { file, bytes: statSync(file).size, metafile: result.metafile };
  }
  return out;
}

/** Bytes per package (node_modules/<pkg> or the project's own code) in one bundle. */
export function packagesOf(metafile: Metafile): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match ? (match[1] as string) : 'topicast';
      sizes[key] = (sizes[key] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(sizes).sort(([, a], [, b]) => b - a));
}

const LAMBDA_ENV = {
  AWS_LAMBDA_FUNCTION_NAME: 'topicast-bench',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SESSION_TOKEN: 'bench',
  TABLE_NAME: 'topicast',
  // The publish function reads the settings realtimeApi.grantPublish hands over.
  TOPICAST_TABLE_NAME: 'topicast',
  TOPICAST_FANOUT_FUNCTION: 'topicast-fanout',
  // The presence function is one reader of the table's stream, named by its window.
  TOPICAST_PRESENCE_WINDOW_SECONDS: '1',
  // The Pusher functions serve the construct's `pusher` prop: its app id and key, as it sets them.
  TOPICAST_PUSHER_APP_ID: 'bench',
  TOPICAST_PUSHER_KEY: 'bench-key',
  TOPICAST_PUSHER_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
  TOPICAST_PUSHER_WEBHOOK_URL: 'https://webhooks.example.com/pusher',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Median time to import the bundle (module init), in a fresh process per run. */
export function initTimeMs(file: string, runs: number): number {
  const probe = join(file, '..', 'probe.mjs');
  writeFileSync(
    probe,
    `const t0 = performance.now(); const m = await import(${JSON.stringify(file)}); const ms = performance.now() - t0;
if (typeof m.handler !== 'function') throw new Error('no handler export');
process.stdout.write(String(ms));`,
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const child = spawnSync(process.execPath, [probe], { env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV }, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`init of ${file} failed: ${child.stderr}`);
    times.push(Number(child.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export async function measureBundles(runs = 5, onProgress: (line: string) => void = () => undefined): Promise<BundleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'topicast-bundles-'));
  try {
    const bundles = await bundleFunctions(dir);
    const figures: BundleFigures = { bundle_kb: {}, init_ms: {}, packages: {} };
    for (const [name, { file, bytes, metafile }] of Object.entries(bundles)) {
      figures.bundle_kb[name] = Math.round((bytes / 1024) * 10) / 10;
      figures.init_ms[name] = Math.round(initTimeMs(file, runs) * 10) / 10;
      figures.packages[name] = packagesOf(metafile);
      onProgress(`${name}: ${figures.bundle_kb[name]} KB, init ${figures.init_ms[name]} ms`);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('bundles.ts')) {
  const figures = await measureBundles(Number(process.argv[2] ?? 5), (line) => process.stdout.write(`${line}\n`));
  for (const [name, packages] of Object.entries(figures.packages)) {
    process.stdout.write(`${name}: ${Object.entries(packages).slice(0, 8).map(([p, b]) => `${p} ${(b / 1024).toFixed(1)}K`).join(', ')}\n`);
  }
}
