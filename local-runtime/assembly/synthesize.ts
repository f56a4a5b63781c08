/**
 * Synthesizes a CDK app offline, as `cdk synth` does without credentials: runs cdk.json's
 * "app" command with the CDK_OUTDIR and CDK_CONTEXT_JSON environment the CDK CLI passes
 * (cdk.json's and cdk.context.json's context, plus ours). The CLI itself is not started:
 * it adds seconds and would try context lookups with whatever credentials are around; an
 * app that needs a lookup fails here with the app's own message instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { LOCAL_BUNDLING_CONTEXT } from './local-bundling.js';

export interface SynthOptions {
  /** The CDK app's folder (holding cdk.json). */
  readonly appDir: string;
  /** Context over cdk.json's (`-c key=value`). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Where the assembly goes. @default a new temporary folder */
  readonly outDir?: string;
  /** Environment of the app's process. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Copy `Code.fromAsset` folders into the assembly, as for a deployment. Off, the
   * template names the source folders themselves (`cdk synth --no-staging`, as SAM CLI
   * runs CDK apps), so an edit reaches the running function (watch mode). @default true
   */
  readonly staging?: boolean;
}

export class SynthError extends Error {}

export async function synthesize(options: SynthOptions): Promise<string> {
  const appDir = resolvePath(options.appDir);
  const cdkJsonPath = join(appDir, 'cdk.json');
  if (!existsSync(cdkJsonPath)) throw new SynthError(`${appDir} has no cdk.json: pass the folder of a CDK app with --app, or an assembly with --assembly`);
  const cdkJson = JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { app?: string; context?: Record<string, unknown> };
  if (typeof cdkJson.app !== 'string') throw new SynthError(`${cdkJsonPath} has no "app" command`);
  const savedContextPath = join(appDir, 'cdk.context.json');
  const savedContext = existsSync(savedContextPath) ? (JSON.parse(readFileSync(savedContextPath, 'utf8')) as Record<string, unknown>) : {};
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'topicast-local-'));
  const context = {
    // What the CDK CLI sets by default: asset metadata names each function's code folder.
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': false,
    ...(options.staging === false ? { 'aws:cdk:disable-asset-staging': true } : {}),
    // Constructs that honour it leave their esbuild bundling to the runtime, which builds
    // every function in one build (local-bundling.ts); any other app ignores it.
    [LOCAL_BUNDLING_CONTEXT]: true,
    ...savedContext,
    ...cdkJson.context,
    ...options.context,
  };
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    CDK_OUTDIR: outDir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_CLI_ASM_VERSION: '55.0.0',
    // The CDK's built-in template validation (a cfn-lint compiled to WebAssembly, seconds per
    // synthesis) reports findings and changes no template: a deployment's synthesis runs it.
    CDK_VALIDATION: 'false',
  };
  // Credentials are not needed to synthesize an environment-agnostic app; none are passed
  // on, so an app cannot reach AWS by accident while it is being run locally.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cdkJson.app as string, { cwd: appDir, env, shell: true, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new SynthError(`synthesizing ${appDir} (${String(cdkJson.app)}) failed with exit code ${String(code)}:\n${stderr.trim()}`));
    });
  });
  return outDir;
}
