/**
 * The test files that need a Chromium, and the one way to leave them out of a run.
 *
 * A machine with no usable browser (no Chromium on PATH or CHROMIUM_PATH, and not Linux x64,
 * the only platform @sparticuz/chromium ships for) fails these files, with a message saying
 * what to install: a green `npm test` means every test ran. Where that cannot be had,
 * TOPICAST_BROWSER_TESTS=off keeps them out of the run (vitest.config.ts) and the summary
 * says so in one line; they are never counted as passed, nor as skipped tests.
 */
export const BROWSER_TEST_FILES = ['test/e2e/local-pages.test.ts', 'test/phoenix/phoenix-browser.test.ts', 'test/pusher/pusher-browser.test.ts', 'test/unit/browser-lookup.test.ts'] as const;

export const BROWSER_TESTS_OPT_OUT = 'TOPICAST_BROWSER_TESTS=off';

export function browserTestsOff(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.TOPICAST_BROWSER_TESTS === 'off';
}

export function browserTestsNotRunLine(): string {
  return (
    `browser tests NOT RUN (${BROWSER_TESTS_OPT_OUT}): ${BROWSER_TEST_FILES.join(', ')}. ` +
    `Run them with a Chromium: CHROMIUM_PATH=/path/to/chromium npx vitest run ${BROWSER_TEST_FILES.join(' ')}`
  );
}
