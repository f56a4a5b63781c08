/**
 * The code of topicast's functions: NodejsFunction's esbuild bundling for a deployment, or,
 * when `topicast local` synthesizes (context `topicast:localBundling`), placeholder code
 * plus the bundling recorded in the function's Metadata, which the local runtime builds
 * for every function at once (local-runtime/assembly/local-bundling.ts says why). The
 * deployed template is unchanged: without that context nothing here differs.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { LOCAL_BUNDLE_METADATA, LOCAL_BUNDLING_CONTEXT, type LocalBundleSpec } from '../local-runtime/assembly/local-bundling.js';
import { DEPS_LOCK_FILE_PATH } from './realtime-api-defaults.js';

/** Whether this synthesis is `topicast local`'s, which bundles the functions itself. */
export function bundledLocally(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext(LOCAL_BUNDLING_CONTEXT);
  return value === true || value === 'true';
}

// Never run: the local runtime replaces it with its own build of the entry.
const PLACEHOLDER = "exports.handler = async () => { throw new Error('bundled by topicast local: this placeholder never runs'); };";

/** Where the code comes from: the entry and its export, or (local) the placeholder. First in the props, as they always were. */
export function functionCodeSource(scope: Construct, spec: LocalBundleSpec): Pick<nodejs.NodejsFunctionProps, 'entry' | 'handler' | 'code'> {
  if (bundledLocally(scope)) return { code: lambda.Code.fromInline(PLACEHOLDER), handler: `index.${spec.handlerExport}` };
  return { entry: spec.entry, handler: spec.handlerExport };
}

/** How NodejsFunction bundles it for a deployment (nothing locally). Last in the props, as they always were. */
export function functionBundling(scope: Construct, spec: LocalBundleSpec): Pick<nodejs.NodejsFunctionProps, 'depsLockFilePath' | 'bundling'> {
  if (bundledLocally(scope)) return {};
  return {
    depsLockFilePath: DEPS_LOCK_FILE_PATH,
    bundling: {
      format: spec.format === 'esm' ? nodejs.OutputFormat.ESM : nodejs.OutputFormat.CJS,
      minify: spec.minify === true,
      sourceMap: false,
      target: spec.target,
      ...(spec.mainFields ? { mainFields: [...spec.mainFields] } : {}),
      ...(spec.banner ? { banner: spec.banner } : {}),
      externalModules: [...(spec.external ?? [])],
      ...(spec.alias ? { esbuildArgs: { '--alias': Object.entries(spec.alias).map(([from, to]) => `${from}=${to}`) } } : {}),
      forceDockerBundling: false,
    },
  };
}

/** Records what the local runtime must bundle for `fn` (only in `topicast local`'s synthesis). */
export function recordLocalBundle(fn: lambda.Function, spec: LocalBundleSpec): void {
  if (bundledLocally(fn)) (fn.node.defaultChild as lambda.CfnFunction).addMetadata(LOCAL_BUNDLE_METADATA, spec);
}
