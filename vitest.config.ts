import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { BROWSER_TEST_FILES, browserTestsOff } from './test/support/browser-tests.js';

export default defineConfig({
  // As tsconfig's `paths`: the examples import `topicast/channel` as an application would.
  resolve: { alias: { 'topicast/channel': fileURLToPath(new URL('./channel/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // Only on request, and then reported as not run by the summary reporter (test/support/browser-tests.ts).
    exclude: [...configDefaults.exclude, ...(browserTestsOff() ? BROWSER_TEST_FILES : [])],
    // Infra tests synthesize stacks and bundle every function with esbuild (~7 s for the first
    // Template.fromStack on an idle machine); e2e tests run gateways. These are ceilings for a
    // hung test, not speed targets: on a loaded 2-core machine a synth took over 60 s.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The SDK warns on every import that its 2027 releases need Node 22; the local runtime's
    // functions get the same setting (local-runtime/runtime.ts). Deployed functions run Node 24.
    // CDK_VALIDATION: the CDK's built-in template validation (cfn-lint compiled to WebAssembly)
    // costs about 5 s of every synthesis and changes no template; cfn-lint runs on `cdk synth`'s
    // output instead (HELPERS.md), and cdk-nag, a plugin of its own, still runs where a test adds it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CDK_VALIDATION: 'false' },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
