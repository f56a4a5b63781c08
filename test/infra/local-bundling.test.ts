/**
 * `topicast local`'s synthesis (context `topicast:localBundling`): every function of the
 * construct gets placeholder code and records, in its Metadata, the bundling a deployment
 * does (entry, export, esbuild options), which the local runtime builds in one esbuild
 * build. Without the context the template has no such record: what deploys is unchanged.
 */
import { existsSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LOCAL_BUNDLE_METADATA, LOCAL_BUNDLING_CONTEXT, parseLocalBundleSpec } from '../../local-runtime/assembly/local-bundling.js';
import { BUNDLE_ALIASES, ESBUILD_TARGET, ESM_REQUIRE_BANNER } from '../../lib/realtime-api-defaults.js';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { newApp } from './helpers.js';

type Resources = Record<string, { Type: string; Metadata?: Record<string, unknown>; Properties: { Code: Record<string, unknown>; Handler: string } }>;

function functionsOf(context: Record<string, unknown>, bundling: boolean) {
  const stack = new TopicastStack(newApp({ bundling, context }), 'Topicast', { realtime: { pusher: { appId: '1', key: 'k' } } });
  return Object.values(Template.fromStack(stack).toJSON().Resources as Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
}

describe('local bundling context', () => {
  it('records each function’s entry and deployment bundling, with placeholder code', () => {
    const functions = functionsOf({ [LOCAL_BUNDLING_CONTEXT]: true }, true);
    expect(functions.length).toBeGreaterThan(10);
    for (const fn of functions) {
      const spec = parseLocalBundleSpec(fn.Metadata?.[LOCAL_BUNDLE_METADATA]);
      expect(spec).toBeDefined();
      expect(existsSync(spec?.entry ?? '')).toBe(true);
      expect(spec).toMatchObject({ handlerExport: 'handler', format: 'esm', target: ESBUILD_TARGET, banner: ESM_REQUIRE_BANNER, external: [], alias: BUNDLE_ALIASES, minify: true });
      expect(Object.keys(fn.Properties.Code)).toEqual(['ZipFile']);
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });

  it('leaves the deployed template without the record', () => {
    const functions = functionsOf({}, false);
    expect(functions.length).toBeGreaterThan(10);
    for (const fn of functions) {
      expect(fn.Metadata?.[LOCAL_BUNDLE_METADATA]).toBeUndefined();
      expect(fn.Properties.Code).toHaveProperty('S3Key');
    }
  });
});
