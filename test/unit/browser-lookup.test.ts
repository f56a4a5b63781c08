import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, fontConfigFor, launchBrowser } from '../support/browser.js';

describe('browser lookup for browser tests', () => {
  it('refuses a CHROMIUM_PATH that does not exist, naming it', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow('CHROMIUM_PATH=/nonexistent/chromium does not exist');
  });

  it('finds a Chromium with no CHROMIUM_PATH: a system one first, else @sparticuz/chromium on Linux x64', () => {
    // Act
    const install = findChromium({});

    // Assess
    expect(existsSync(install.executablePath)).toBe(true);
    if (install.source !== 'PATH' && platform() === 'linux' && arch() === 'x64') expect(install.source).toBe('@sparticuz/chromium');
  });

  it('rewrites a fonts.conf that names another checkout (a removed worktree), so pages keep their font', () => {
    // Prepare: the conf a worktree's tests wrote through a symlinked node_modules
    const dir = mkdtempSync(join(tmpdir(), 'fonts-conf-'));
    try {
      writeFileSync(join(dir, 'topicast-fonts.conf'), '<fontconfig><dir>/work/wt/gone/node_modules/.cache/fonts</dir></fontconfig>');

      // Act
      const file = fontConfigFor(dir);

      // Assess
      const conf = readFileSync(file, 'utf8');
      expect(conf).toContain(`<dir>${join(dir, 'fonts')}</dir>`);
      expect(conf).not.toContain('/work/wt/gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('launches it and runs a page', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent('<script>document.title = typeof WebSocket</script>');
      expect(await page.title()).toBe('function');
    } finally {
      await browser.close();
    }
  });
});

describe('the browser the tests get', () => {
  it('lays out a page with text fields and types into them (the npm Chromium once aborted on these)', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent('<form><input id="name" placeholder="your name"><textarea id="note"></textarea><button>Send</button></form>');
      await page.fill('#name', 'alice é 😀');
      await page.type('#note', 'hello…');
      expect(await page.inputValue('#name')).toBe('alice é 😀');
      expect(await page.inputValue('#note')).toBe('hello…');
    } finally {
      await browser.close();
    }
  });
});
