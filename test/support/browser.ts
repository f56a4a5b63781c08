/**
 * One way for every browser test to get a Chromium, on a fresh machine with nothing but npm:
 *   1. `CHROMIUM_PATH`, when set (any Chromium or Chrome; checked to exist);
 *   2. a `chromium`, `chromium-browser` or `google-chrome` on PATH (Debian's `chromium`);
 *   3. the Chromium shipped by the npm package `@sparticuz/chromium` (x64 Linux only: its
 *      npm tarball has no arm64 build), inflated once into node_modules/.cache, together
 *      with the NSS libraries it needs, so no system package is required. It is a headless
 *      shell built for Lambda: it aborts on any page with a text field (Skia's
 *      FontConfigInterface "Not implemented" on character fallback), which is why a full
 *      Chromium comes first when there is one.
 * playwright-core drives it; it never downloads a browser.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

export interface ChromiumInstall {
  readonly executablePath: string;
  /** Variables the browser process needs (bundled libraries and fonts). */
  readonly env: Readonly<Record<string, string>>;
  readonly source: 'CHROMIUM_PATH' | '@sparticuz/chromium' | 'PATH';
}

// Flags keep Chromium off the network this machine does not have, and let it run as root
// in a container.
const FLAGS = ['--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const require = createRequire(import.meta.url);
const CACHE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/topicast-chromium/', import.meta.url));
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Finds (and on first use unpacks) a Chromium; throws a message saying what to install. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumInstall {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
    return { executablePath: explicit, env: {}, source: 'CHROMIUM_PATH' };
  }
  const onPath = SYSTEM_NAMES.map(whichExecutable).find((path) => path !== undefined);
  if (onPath) return { executablePath: onPath, env: {}, source: 'PATH' };
  if (platform() === 'linux' && arch() === 'x64') return unpackSparticuz();
  throw new Error(
    `no Chromium for ${platform()}/${arch()}: @sparticuz/chromium ships Linux x64 only. ` +
      'Install one (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** A headless Chromium from {@link findChromium}, driven by playwright-core. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const install = findChromium();
  return chromium.launch({
    ...options,
    executablePath: install.executablePath,
    args: [...FLAGS, ...(options.args ?? [])],
    env: { ...process.env, ...install.env, ...options.env } as Record<string, string>,
  });
}

function unpackSparticuz(): ChromiumInstall {
  // The package exports only its entry (build/index.js), not package.json.
  const packageRoot = dirname(dirname(require.resolve('@sparticuz/chromium')));
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const dir = join(CACHE_ROOT, version);
  if (!existsSync(join(dir, 'chromium'))) inflateInto(dir, join(packageRoot, 'bin'));
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      // NSS and friends from the package (built for Amazon Linux 2023, older glibc than any
      // current distribution), so a machine without libnss3 runs it too.
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: join(dir, 'fonts'),
    },
    source: '@sparticuz/chromium',
  };
}

/**
 * The package inflates into `os.tmpdir()`; a child process with TMPDIR pointed at a fresh
 * staging folder does it there, and one rename publishes the result, so parallel test
 * files (or parallel checkouts) never see half a binary.
 */
function inflateInto(dir: string, binDir: string): void {
  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const script = `
    const { default: Chromium, inflate } = await import('@sparticuz/chromium');
    await Chromium.executablePath(${JSON.stringify(binDir)});
    await inflate(${JSON.stringify(join(binDir, 'al2023.tar.br'))});
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dirname(fileURLToPath(import.meta.url)),
    env: { ...process.env, TMPDIR: staging },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not unpack @sparticuz/chromium: ${run.stderr || run.error?.message || `exit ${String(run.status)}`}`);
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process published it first: use theirs.
    if (!existsSync(join(dir, 'chromium'))) throw error;
  }
}

function whichExecutable(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
