/**
 * One way for every browser test to get a Chromium, on a fresh machine with nothing but npm:
 *   1. `CHROMIUM_PATH`, when set (any Chromium or Chrome; checked to exist);
 *   2. a `chromium`, `chromium-browser` or `google-chrome` on PATH (Debian's `chromium`), or
 *      Google Chrome or Chromium in macOS's /Applications;
 *   3. the Chromium shipped by the npm package `@sparticuz/chromium` (x64 Linux only: its
 *      npm tarball has no arm64 build), inflated once into node_modules/.cache, together
 *      with the NSS libraries and the font it needs, so no system package is required.
 *
 * The package's fonts.conf names the folders its Lambda layout inflates into (`/tmp/fonts`,
 * `/var/task/fonts`, ...), not where the fonts are once unpacked here. Fontconfig then
 * finds no font at all, and the first page that needs a fallback font (any text field: its
 * caret and placeholder are laid out with the system font) reaches Skia's
 * SkFontMgr_FontConfigInterface::onMatchFamilyStyleCharacter, which is "Not implemented":
 * a FATAL that kills the browser. A fonts.conf written here lists the unpacked font and the
 * system's font folders, and the crash is gone: fonts, not launch flags or headless mode.
 * playwright-core drives it; it never downloads a browser.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';
import { BROWSER_TEST_FILES, BROWSER_TESTS_OPT_OUT } from './browser-tests.js';

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
const MAC_APPS = ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'];

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
  const app = MAC_APPS.find((path) => platform() === 'darwin' && existsSync(path));
  if (app) return { executablePath: app, env: {}, source: 'PATH' };
  throw new Error(
    `no Chromium for ${platform()}/${arch()}: @sparticuz/chromium ships Linux x64 only. ` +
      'Install one (Debian: apt-get install chromium; macOS: Google Chrome) or set CHROMIUM_PATH to a Chromium or Chrome binary. ' +
      `Where none can be had, ${BROWSER_TESTS_OPT_OUT} npm test leaves the browser tests out and says so (${BROWSER_TEST_FILES.join(', ')}).`,
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

/** A page server on 127.0.0.1 and a Chromium that opens it: what each browser test sets up. */
export interface BrowserSite {
  /** The page server's root, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /**
   * Opens `url?query` in a new tab and waits for `ready`, an expression the page resolves (a
   * promise it puts on `window`). Page code runs in the browser: it is passed as text, since
   * Node's types have no DOM.
   */
  openTab(query: string, ready: string): Promise<Page>;
  close(): Promise<void>;
}

/** Serves `handler` on a free port of 127.0.0.1 and launches a Chromium ({@link launchBrowser}) to open its pages. */
export async function serveInChromium(handler: RequestListener): Promise<BrowserSite> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await closeServer();
    throw error;
  });
  return {
    url,
    async openTab(query, ready) {
      const page = await browser.newPage();
      await page.goto(`${url}?${query}`);
      await page.evaluate(ready);
      return page;
    },
    async close() {
      await browser.close();
      await closeServer();
    },
  };
}

function unpackSparticuz(): ChromiumInstall {
  // The package exports only its entry (build/esm/index.js or build/index.js by version), not package.json.
  const packageRoot = packageRootOf(require.resolve('@sparticuz/chromium'));
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const dir = join(CACHE_ROOT, version);
  if (!existsSync(join(dir, 'chromium'))) inflateInto(dir, packageRoot);
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      // NSS and friends from the package (built for Amazon Linux 2023, older glibc than any
      // current distribution), so a machine without libnss3 runs it too.
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: fontConfigFor(dir),
    },
    source: '@sparticuz/chromium',
  };
}

/**
 * A fonts.conf naming the package's unpacked font (Open Sans) and the usual system font
 * folders (missing ones are ignored), with its cache beside it. Written by rename so parallel
 * test files never read half a file, and rewritten whenever it names other folders: a
 * node_modules reached through a symlink (a git worktree's) once wrote that checkout's paths,
 * and when it was removed every page fell back to a wider serif font and overflowed.
 */
export function fontConfigFor(dir: string): string {
  const file = join(dir, 'topicast-fonts.conf');
  const folders = [join(dir, 'fonts'), '/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.fonts'), join(homedir(), '.local/share/fonts')];
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
${folders.map((folder) => `  <dir>${escapeXml(folder)}</dir>`).join('\n')}
  <cachedir>${escapeXml(join(dir, 'fontconfig-cache'))}</cachedir>
</fontconfig>
`;
  if (existsSync(file) && readFileSync(file, 'utf8') === xml) return file;
  const staging = `${file}.${process.pid}-${Date.now()}`;
  writeFileSync(staging, xml);
  renameSync(staging, file);
  return file;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The package inflates into `os.tmpdir()`; a child process with TMPDIR pointed at a fresh
 * staging folder does it there, and one rename publishes the result, so parallel test
 * files (or parallel checkouts) never see half a binary.
 */
function inflateInto(dir: string, packageRoot: string): void {
  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const binDir = join(packageRoot, 'bin');
  // `inflate` is not exported by every version: its module is loaded by path. The NSS
  // libraries (al2023) are inflated only on Amazon Linux by the package itself.
  const lambdafs = ['build/esm/lambdafs.js', 'build/lambdafs.js'].map((file) => join(packageRoot, file)).find((file) => existsSync(file));
  if (!lambdafs) throw new Error(`@sparticuz/chromium at ${packageRoot} has no build/esm/lambdafs.js or build/lambdafs.js`);
  const script = `
    const { default: Chromium } = await import('@sparticuz/chromium');
    const { inflate } = await import(${JSON.stringify(pathToFileURL(lambdafs).href)});
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

function packageRootOf(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === '@sparticuz/chromium') return dir;
  }
  throw new Error(`no package.json of @sparticuz/chromium above ${entry}`);
}

function whichExecutable(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
