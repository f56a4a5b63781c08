/**
 * The pages' scripts, bundled with esbuild when the gateway starts: the `phoenix` client
 * and topicast's transport come from node_modules and the repository, never from a CDN.
 * One bundle per process, shared by every gateway in it (tests start many).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BrowserAssets {
  readonly 'demo.js': string;
  readonly 'dashboard.js': string;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

let bundling: Promise<BrowserAssets> | undefined;

export function browserAssets(): Promise<BrowserAssets> {
  bundling ??= bundle();
  return bundling;
}

async function bundle(): Promise<BrowserAssets> {
  const result = await build({
    entryPoints: { demo: here('./browser/demo.ts'), dashboard: here('./browser/dashboard.ts') },
    // What a user's bundler resolves `topicast/client` to.
    alias: { 'topicast/client': here('../../client/phoenix-transport.ts') },
    bundle: true,
    write: false,
    outdir: here('./browser/out'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    logLevel: 'silent',
  });
  const text = (name: string) => {
    const file = result.outputFiles.find((output) => output.path.endsWith(`${name}.js`));
    if (!file) throw new Error(`esbuild produced no ${name}.js`);
    return file.text;
  };
  return { 'demo.js': text('demo'), 'dashboard.js': text('dashboard') };
}
