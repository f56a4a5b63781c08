/**
 * Prints one plain closing line, `tests: N passed, N failed`, after vitest's own summary,
 * so CI logs state the count in a form any tool can read. A file that cannot be imported
 * or a `beforeAll` that throws leaves its tests skipped, not failed: such a suite (and an
 * unhandled error) counts as failed too, so the line never reads "0 failed" on a red run.
 * Browser tests left out with TOPICAST_BROWSER_TESTS=off get a line of their own.
 */
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';
import { browserTestsNotRunLine, browserTestsOff } from './browser-tests.js';

export interface RunCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Modules and suites that failed outside any test (import, collection or hook errors). */
  readonly failedSuites: number;
}

export function countRun(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): RunCounts {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  let failedSuites = 0;
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') passed += 1;
      else if (state === 'failed') failedTests += 1;
      else skipped += 1;
    }
    for (const suite of [module, ...module.children.allSuites()]) {
      if (suite.errors().length > 0) failedSuites += 1;
    }
  }
  return { passed, failed: failedTests + failedSuites + unhandledErrors.length, skipped, failedSuites };
}

export function summaryLine(counts: RunCounts): string {
  const suites = counts.failedSuites > 0 ? ` (${counts.failedSuites} failed outside a test: import, collection or hook)` : '';
  return `tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}${suites}`;
}

export default class SummaryReporter implements Reporter {
  public onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, _reason: TestRunEndReason): void {
    process.stdout.write(`\n${summaryLine(countRun(testModules, unhandledErrors))}\n`);
    if (browserTestsOff()) process.stdout.write(`${browserTestsNotRunLine()}\n`);
  }
}
