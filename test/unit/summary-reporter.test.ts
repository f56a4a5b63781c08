import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../support/fixtures/summary/vitest.config.ts', import.meta.url));

describe('summary line', () => {
  it('counts a suite that fails in a hook or on import as failed, beside failed tests', () => {
    // Act: three files: a failing beforeAll, a failing import, one passing and one failing test
    const run = spawnSync(process.execPath, [VITEST, 'run', '--config', FIXTURES], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });

    // Assess
    expect(run.status).toBe(1);
    const line = run.stdout.split('\n').find((text) => text.startsWith('tests: '));
    expect(line).toBe('tests: 1 passed, 3 failed, 1 skipped (2 failed outside a test: import, collection or hook)');
  });

  it('says in one line which browser test files a run with TOPICAST_BROWSER_TESTS=off left out, and how to run them', () => {
    const run = spawnSync(process.execPath, [VITEST, 'run', '--config', FIXTURES], { encoding: 'utf8', env: { ...process.env, CI: 'true', TOPICAST_BROWSER_TESTS: 'off' } });

    const lines = run.stdout.split('\n');
    const line = lines[lines.findIndex((text) => text.startsWith('tests: ')) + 1];
    expect(line).toBe(
      'browser tests NOT RUN (TOPICAST_BROWSER_TESTS=off): test/e2e/local-pages.test.ts, test/phoenix/phoenix-browser.test.ts, test/pusher/pusher-browser.test.ts, test/unit/browser-lookup.test.ts. ' +
        'Run them with a Chromium: CHROMIUM_PATH=/path/to/chromium npx vitest run test/e2e/local-pages.test.ts test/phoenix/phoenix-browser.test.ts test/pusher/pusher-browser.test.ts test/unit/browser-lookup.test.ts',
    );
  });
});
