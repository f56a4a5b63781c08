import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findChromium, launchBrowser } from '../support/browser.js';

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
