/**
 * `topicast local`: runs the WebSocket APIs of a CDK app from its synthesized template
 * (local-runtime/), until Ctrl-C or SIGTERM. docs/local.md says what is emulated and
 * enforced.
 */
import { parseArgs } from 'node:util';
import type { LocalRuntime } from '../local-runtime/runtime.js';
import { UsageError } from './token.js';

export const LOCAL_USAGE = `usage: topicast local [--app DIR] [--assembly CDK_OUT] [--port N] [--quiet] [--data-dir DIR] [-c KEY=VALUE ...]

Runs every WebSocket API of a CDK app locally, from its synthesized template, with the
IAM policies of each function's role enforced (docs/local.md).

  --app DIR          the CDK app's folder (its cdk.json "app" is synthesized offline; default: .)
  --assembly CDK_OUT run an existing cloud assembly instead (cdk synth's output folder)
  --port N           the first API's port; the next API gets the next port (default: PORT or 3001)
  --quiet            no per-request lines and no function output (denials and errors still print)
  --data-dir DIR     keep the embedded DynamoDB on disk
  -c, --context K=V  CDK context for the synthesis (repeatable)
Environment: DYNAMODB_ENDPOINT (a DynamoDB to use instead of the embedded one).
`;

export interface LocalCommandOptions {
  readonly appDir: string;
  readonly assemblyDir: string | undefined;
  readonly port: number;
  readonly quiet: boolean;
  readonly dataDir: string | undefined;
  readonly context: Record<string, string>;
}

export function parseLocalArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): LocalCommandOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        app: { type: 'string' },
        assembly: { type: 'string' },
        port: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        context: { type: 'string', short: 'c', multiple: true },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.app !== undefined && values.assembly !== undefined) throw new UsageError('give --app or --assembly, not both');
  const portText = values.port ?? env.PORT ?? '3001';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a port number (0-65535), got ${portText}`);
  const context: Record<string, string> = {};
  for (const pair of values.context ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--context takes KEY=VALUE, got ${pair}`);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { appDir: values.app ?? '.', assemblyDir: values.assembly, port, quiet: values.quiet === true, dataDir: values['data-dir'], context };
}

/** Starts the runtime and prints its URLs; the returned runtime runs until ended. */
export async function startLocal(options: LocalCommandOptions, env: Readonly<Record<string, string | undefined>>, out: (line: string) => void): Promise<LocalRuntime> {
  // Loaded here, not with the CLI: the other commands do not pay for the runtime's modules.
  const [{ synthesize }, { startLocalRuntime }] = await Promise.all([import('../local-runtime/assembly/synthesize.js'), import('../local-runtime/runtime.js')]);
  const assemblyDir = options.assemblyDir ?? (await synthesize({ appDir: options.appDir, context: options.context }));
  const runtime = await startLocalRuntime({ assemblyDir, port: options.port, quiet: options.quiet, dataDir: options.dataDir, dynamoEndpoint: env.DYNAMODB_ENDPOINT, write: out });
  for (const api of runtime.apis) out(`${api.name}: ${api.url} (stage ${api.stage}; ${api.url}/${api.stage} too)`);
  out(`topicast local gateway listening on ${runtime.apis[0]?.url ?? ''}`);
  return runtime;
}

/** `topicast local` until a signal: resolves to the exit status. */
export async function localCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, out: (line: string) => void): Promise<number> {
  const runtime = await startLocal(parseLocalArgs(args, env), env, out);
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      runtime.end().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
