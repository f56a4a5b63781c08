/**
 * `topicast local`: runs the WebSocket APIs of a CDK app from its synthesized template
 * (local-runtime/), until Ctrl-C, SIGTERM or the end of the process that started it.
 * docs/local.md says what is emulated and enforced.
 *
 * Parsed, stopped and locked like the other long-running commands: cli/command-line.ts
 * (one-line usage errors, npm's kept options named), cli/shutdown.ts (signals and the
 * parent's exit), and the data dir's lock (cli/data-dir-lock.ts, taken by the embedded
 * DynamoDB and told where this runtime serves).
 */
import { rmSync } from 'node:fs';
import type { LocalRuntime, LocalRuntimeOptions } from '../local-runtime/runtime.js';
import { parseCommandLine, usageText, type OptionSpecs } from './command-line.js';
import { stopOnSignals } from './shutdown.js';
import { UsageError } from './token.js';

const OPTIONS: OptionSpecs = {
  app: { type: 'string', placeholder: 'DIR', description: 'the CDK app\'s folder: its cdk.json "app" is synthesized offline (default: .)' },
  assembly: { type: 'string', placeholder: 'CDK_OUT', description: 'run an existing cloud assembly instead (cdk synth\'s output folder)' },
  port: { type: 'string', placeholder: 'N', description: 'the first API\'s port; the next API gets the next port (default: PORT or 3001)' },
  quiet: { type: 'boolean', description: 'no per-request lines, no function output but its warnings and errors (denials and errors still print)' },
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'keep the embedded DynamoDB on disk in DIR (one process per DIR)' },
  context: { type: 'string', short: 'c', multiple: true, placeholder: 'KEY=VALUE', description: 'CDK context for the synthesis (repeatable; -c too)' },
  secret: { type: 'string', multiple: true, placeholder: 'ID=VALUE', description: 'a secret\'s value for GetSecretValue, by logical id, name or construct path (repeatable; others are generated)' },
  'no-watch': { type: 'boolean', description: 'do not reload a function when a file of its code changes' },
  'no-cache': { type: 'boolean', description: 'synthesize even when the app\'s files and context are those of a kept assembly' },
};

export const LOCAL_USAGE = `${usageText('topicast local', OPTIONS)}
Runs every WebSocket API of a CDK app locally, from its synthesized template, with the
IAM policies of each function's role enforced (docs/local.md).
Environment: DYNAMODB_ENDPOINT (a DynamoDB to use instead of the embedded one).
`;

export interface LocalCommandOptions {
  readonly appDir: string;
  readonly assemblyDir: string | undefined;
  readonly port: number;
  readonly quiet: boolean;
  readonly dataDir: string | undefined;
  readonly context: Record<string, string>;
  /** Reload a function when its code changes (Code.fromAsset folders are used in place, not copied). */
  readonly watch: boolean;
  /** Values of the template's secrets, by logical id, name or construct path. */
  readonly secretValues: Record<string, string>;
  /** Reuse the assembly kept from a synthesis of the same inputs (assembly/assembly-cache.ts). */
  readonly cache: boolean;
}

/** The options, or a UsageError (exit 2) naming the mistake. */
export function parseLocalArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): LocalCommandOptions {
  const parsed = parseCommandLine(args, OPTIONS, { invocation: 'topicast local', env });
  if (parsed.kind === 'help') throw new UsageError('--help is answered before the options are parsed');
  if (parsed.kind === 'usage-error') throw new UsageError(parsed.message);
  const values = parsed.values as { app?: string; assembly?: string; port?: string; quiet?: boolean; 'data-dir'?: string; context?: string[]; secret?: string[]; 'no-watch'?: boolean; 'no-cache'?: boolean };
  if (values.app !== undefined && values.assembly !== undefined) throw new UsageError('give --app or --assembly, not both');
  const portText = values.port ?? env.PORT ?? '3001';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`invalid port ${portText} (an integer from 0 to 65535)`);
  const pairs = (option: string, given: readonly string[] | undefined, placeholder: string) => {
    const parsed: Record<string, string> = {};
    for (const pair of given ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--${option} takes ${placeholder}, got ${pair}`);
      parsed[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return parsed;
  };
  const context = pairs('context', values.context, 'KEY=VALUE');
  const secretValues = pairs('secret', values.secret, 'ID=VALUE');
  return { appDir: values.app ?? '.', assemblyDir: values.assembly, port, quiet: values.quiet === true, dataDir: values['data-dir'], context, secretValues, watch: values['no-watch'] !== true, cache: values['no-cache'] !== true };
}

/** Starts the runtime and prints its URLs; the returned runtime runs until ended. */
export async function startLocal(
  options: LocalCommandOptions,
  env: Readonly<Record<string, string | undefined>>,
  out: (line: string) => void,
  /** Local extras on the first API's port (`npm start`'s pages and HTTP APIs); the benches' counters and clock. */
  extras: Pick<LocalRuntimeOptions, 'onLogEntry' | 'onFunctionOutput' | 'mounts' | 'extraRoutes' | 'refuseConnect' | 'onInvocation' | 'idleTimeoutMs' | 'maxConnectionMs' | 'ttlSweepIntervalMs'> = {},
): Promise<LocalRuntime> {
  // Loaded here, not with the CLI: the other commands do not pay for the runtime's modules.
  // The runtime's modules load while the app synthesizes (a process of its own).
  const runtimeModule = import('../local-runtime/runtime.js');
  runtimeModule.catch(() => undefined);
  const [{ synthesize }, { synthesizeCached }] = await Promise.all([import('../local-runtime/assembly/synthesize.js'), import('../local-runtime/assembly/assembly-cache.js')]);
  const synthOptions = { appDir: options.appDir, context: options.context, staging: !options.watch };
  let assemblyDir = options.assemblyDir;
  if (assemblyDir === undefined && options.cache) {
    const cached = await synthesizeCached(synthOptions);
    if (cached.reused) out(`the app's files and context are unchanged: running the assembly synthesized before (${cached.assemblyDir}; --no-cache synthesizes)`);
    assemblyDir = cached.assemblyDir;
  }
  assemblyDir ??= await synthesize(synthOptions);
  const [{ startLocalRuntime }, { loadLocalIdentity, defaultIdentityDir }, { backendEnvironment, writeBackendEnvironment }] = await Promise.all([
    runtimeModule,
    import('../local-runtime/aws/local-identity.js'),
    import('./backend-environment.js'),
  ]);
  // Shared with the other runtimes of this user: several on one DYNAMODB_ENDPOINT reach each other's connections.
  const identity = await loadLocalIdentity(defaultIdentityDir(env));
  const runtime = await startLocalRuntime({
    ...extras,
    assemblyDir,
    port: options.port,
    quiet: options.quiet,
    dataDir: options.dataDir,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    write: out,
    watch: options.watch,
    secretValues: options.secretValues,
    identity,
    // A backend outside the functions signs with these (printed below), as with an administrator's credentials on AWS.
    operator: true,
  });
  for (const api of runtime.apis) out(`${api.name}: ${api.url} (stage ${api.stage}; ${api.url}/${api.stage} too)`);
  for (const url of runtime.functionUrls) out(`Function URL ${url.logicalId} (auth ${url.authType}): ${url.url}`);
  const firstPort = runtime.apis[0]?.port ?? options.port;
  const backendFile = writeBackendEnvironment(identity.dir, firstPort, backendEnvironment(runtime, identity.certificate.certFile));
  out(`a backend outside the functions (topicast/server, the AWS SDK) signs as the local operator: its variables are in ${backendFile} (set -a; . ${backendFile}; set +a)`);
  out(`topicast local gateway listening on ${runtime.apis[0]?.url ?? ''}`);
  // The file names this runtime's port: it goes with the runtime (ports of 0 would leave one per start).
  return {
    ...runtime,
    async end() {
      await runtime.end();
      rmSync(backendFile, { force: true });
    },
  };
}

/** `topicast local` until a signal or the parent's exit: resolves to the exit status. */
export async function localCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, out: (line: string) => void, err: (line: string) => void = out): Promise<number> {
  const options = parseLocalArgs(args, env);
  let started: LocalRuntime | undefined;
  let stopped = false;
  return new Promise<number>((resolve, reject) => {
    // Installed before the start (a synthesis takes seconds): a signal then still ends the runtime once it is up.
    stopOnSignals({
      stop: async () => {
        stopped = true;
        await started?.end();
      },
      exit: resolve,
      write: err,
    });
    startLocal(options, env, out).then(
      (runtime) => {
        started = runtime;
        if (stopped) void runtime.end();
      },
      reject,
    );
  });
}
