import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // As tsconfig's `paths`: the examples import `topicast/channel` as an application would.
  resolve: { alias: { 'topicast/channel': fileURLToPath(new URL('./channel/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // Infra tests synthesize stacks (~7 s for the first Template.fromStack); e2e tests run gateways.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
