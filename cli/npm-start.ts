/**
 * `npm start`: this repository's own CDK app (bin/app.ts) run by `topicast local`, from the
 * template that deploys (docs/local.md). The local gateway's flags and environment keep
 * their meaning; they become the app's context and the runtime's secret values:
 *   --port N (or PORT, default 3001), --data-dir DIR, --quiet, DYNAMODB_ENDPOINT: the runtime's
 *   --stage NAME (default local)          context stageName
 *   --config FILE, TOPICAST_CONFIG, TOPICAST_AUTH, TOPICAST_ALLOWED_ORIGINS, --lifecycle-events:
 *                                         context config (TOPICAST_CONFIG's shape; the file wins, auth optional unless set)
 *   --channel FILE (repeatable)           context channels
 *   TOPICAST_JWKS_URL                     context jwksUrl
 *   TOPICAST_TOKEN_SECRET                 the token secret's value (else one generated at start)
 *   TOPICAST_PUSHER_APP_ID, _KEY, _SECRET context pusherAppId/pusherKey, the Pusher secret's value
 *   TOPICAST_PUSHER_WEBHOOK_URL           context pusherWebhookUrl
 * On the API's port, as before: the Management API, the HTTP publish API (unsigned: the port
 * listens on this machine only), Pusher's HTTP API under /apps/, and the pages (`/`, `/_topicast`).
 */
import { resolve as resolvePath } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type TopicastConfigInput } from '../lambdas/core/config.js';
import { frameLabel } from '../local-gateway/frame-label.js';
import type { LocalRuntimeOptions } from '../local-runtime/runtime.js';
import { parseCommandLine, usageLine, usageText, type OptionSpecs } from './command-line.js';
import { DataDirInUseError } from './data-dir-lock.js';
import type { LocalCommandOptions } from './local-command.js';
import { stopOnSignals } from './shutdown.js';
import { refuseUnknownPusherKey } from '../local-gateway/pusher-mapping.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const NPM_START_OPTIONS: OptionSpecs = {
  port: { type: 'string', placeholder: 'N', description: 'port of the gateway and its pages (or PORT; default 3001)' },
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'keep the embedded DynamoDB on disk in DIR (one process per DIR)' },
  stage: { type: 'string', placeholder: 'NAME', description: 'stage name in events and Management API paths (default local)' },
  quiet: { type: 'boolean', description: 'no per-request log lines' },
  config: { type: 'string', placeholder: 'FILE', description: 'JSON settings, the same shape as TOPICAST_CONFIG' },
  channel: { type: 'string', multiple: true, placeholder: 'FILE', description: 'a channel module (repeatable)' },
  'lifecycle-events': { type: 'boolean', description: 'print lifecycle events and list them on the dashboard' },
};

/** The stack's construct paths of the secrets `npm start` gives values. */
export const TOKEN_SECRET_PATH = 'Topicast/Realtime/TokenSecret/Resource';
export const PUSHER_SECRET_PATH = 'Topicast/Realtime/PusherSecret/Resource';
/** The Function URLs served on the API's port too, by the path the local gateway served them on. */
const PUBLISH_PATHS = new Set(['/publish', '/presence', '/occupancy', '/disconnect', '/history']);
export const NPM_START_MOUNTS: LocalRuntimeOptions['mounts'] = [
  { functionUrl: (url) => url.logicalId.startsWith('RealtimePublishFunctionUrl'), matches: (path) => PUBLISH_PATHS.has(path.replace(/\/+$/, '')), authType: 'NONE' },
  { functionUrl: (url) => url.logicalId.startsWith('RealtimePusherApiFunctionUrl'), matches: (path) => path.startsWith('/apps/') },
];

/**
 * What `npm start` adds on the API's port besides the template: the publish and Pusher HTTP
 * APIs (Function URLs) under their old paths, and, with Pusher on, Pusher's own answer to a
 * wrong app key (pusher-mapping.ts; deployed, API Gateway refuses that path with 403).
 */
export function npmStartExtras(options: Pick<LocalCommandOptions, 'context'>): Pick<LocalRuntimeOptions, 'mounts' | 'refuseConnect' | 'labelFrame'> {
  const pusherKey = options.context.pusherKey;
  // The request lines name each frame as the handlers decode it, with the app's own limits.
  const { limits } = resolveConfig(options.context.config ? (JSON.parse(options.context.config) as TopicastConfigInput) : {});
  return { mounts: NPM_START_MOUNTS, labelFrame: (body) => frameLabel(body, limits), ...(pusherKey ? { refuseConnect: refuseUnknownPusherKey(pusherKey) } : {}) };
}

export interface NpmStartValues {
  readonly port?: string;
  readonly 'data-dir'?: string;
  readonly stage?: string;
  readonly quiet?: boolean;
  readonly config?: string;
  readonly channel?: string[];
  readonly 'lifecycle-events'?: boolean;
}

export class NpmStartError extends Error {}

/** The `topicast local` options for bin/app.ts that the local gateway's flags and environment mean. */
export function npmStartOptions(values: NpmStartValues, env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): LocalCommandOptions {
  const portText = values.port ?? env.PORT ?? '3001';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new NpmStartError(`invalid port ${portText} (an integer from 0 to 65535)`);
  const parse = (text: string, what: string): TopicastConfigInput => {
    try {
      return JSON.parse(text) as TopicastConfigInput;
    } catch (error) {
      throw new NpmStartError(`${what} is not valid JSON`, { cause: error });
    }
  };
  const fromEnv: TopicastConfigInput = {
    ...(env.TOPICAST_CONFIG ? parse(env.TOPICAST_CONFIG, 'TOPICAST_CONFIG') : {}),
    ...(env.TOPICAST_AUTH ? { auth: env.TOPICAST_AUTH as TopicastConfigInput['auth'] } : {}),
    ...(env.TOPICAST_ALLOWED_ORIGINS !== undefined ? { allowedOrigins: env.TOPICAST_ALLOWED_ORIGINS.split(',').map((item) => item.trim()).filter(Boolean) } : {}),
  };
  const fromFile = values.config ? parse(readFileSync(resolvePath(cwd, values.config), 'utf8'), values.config) : {};
  // Locally tokens are optional unless asked otherwise (the construct's default is required).
  const merged: TopicastConfigInput = { auth: 'optional', ...fromEnv, ...fromFile };
  // The flag turns events on and keeps a `source` the settings may set.
  const config = values['lifecycle-events'] && !merged.lifecycleEvents ? { ...merged, lifecycleEvents: true } : merged;

  const pusher = [env.TOPICAST_PUSHER_APP_ID, env.TOPICAST_PUSHER_KEY, env.TOPICAST_PUSHER_SECRET];
  if (pusher.some(Boolean) && !pusher.every(Boolean)) throw new NpmStartError('set all of TOPICAST_PUSHER_APP_ID, TOPICAST_PUSHER_KEY and TOPICAST_PUSHER_SECRET, or none');
  const pusherOn = pusher.every(Boolean);
  const context: Record<string, string> = {
    stageName: values.stage ?? 'local',
    config: JSON.stringify(config),
    ...(values.channel?.length ? { channels: values.channel.map((file) => resolvePath(cwd, file)).join(',') } : {}),
    ...(env.TOPICAST_JWKS_URL ? { jwksUrl: env.TOPICAST_JWKS_URL } : {}),
    ...(pusherOn ? { pusherAppId: env.TOPICAST_PUSHER_APP_ID as string, pusherKey: env.TOPICAST_PUSHER_KEY as string } : {}),
    ...(pusherOn && env.TOPICAST_PUSHER_WEBHOOK_URL ? { pusherWebhookUrl: env.TOPICAST_PUSHER_WEBHOOK_URL } : {}),
  };
  const secretValues: Record<string, string> = {
    ...(env.TOPICAST_TOKEN_SECRET ? { [TOKEN_SECRET_PATH]: env.TOPICAST_TOKEN_SECRET } : {}),
    ...(pusherOn ? { [PUSHER_SECRET_PATH]: env.TOPICAST_PUSHER_SECRET as string } : {}),
  };
  return {
    appDir: fileURLToPath(new URL('..', import.meta.url)),
    assemblyDir: undefined,
    port,
    quiet: values.quiet === true,
    dataDir: values['data-dir'],
    context,
    watch: true,
    secretValues,
    cache: true,
  };
}

async function main(): Promise<void> {
  const invocation = 'npm start --';
  const commandLine = parseCommandLine(process.argv.slice(2), NPM_START_OPTIONS, { invocation });
  if (commandLine.kind === 'help') {
    process.stdout.write(usageText(invocation, NPM_START_OPTIONS));
    process.exit(0);
  }
  const shortUsage = `${usageLine(invocation, NPM_START_OPTIONS)}\n(npm start -- --help describes every option)\n`;
  let options: LocalCommandOptions;
  try {
    if (commandLine.kind === 'usage-error') throw new NpmStartError(commandLine.message);
    options = npmStartOptions(commandLine.values as NpmStartValues, process.env);
  } catch (error) {
    process.stderr.write(`topicast: ${(error as Error).message}\n${shortUsage}`);
    process.exit(2);
  }
  for (const name of ['TABLE_NAME', 'TOPICAST_EVENTS_ENDPOINT', 'TOPICAST_EVENT_BUS']) {
    if (process.env[name]) process.stderr.write(`topicast: ${name} is not used any more: the table and the event bus are the template's (docs/local.md)\n`);
  }
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  try {
    const channels = options.context.channels;
    if (channels) await (await import('./channel-check.js')).checkChannelModules(channels.split(','));
    const [{ startLocal }, { localPages }] = await Promise.all([import('./local-command.js'), import('../local-gateway/pages/runtime-pages.js')]);
    const pages = localPages();
    const starting = startLocal(options, process.env, out, { ...npmStartExtras(options), onLogEntry: pages.onLogEntry, onFunctionOutput: pages.onFunctionOutput, extraRoutes: pages.routes });
    // A signal during the start (a synthesis takes seconds) still ends the runtime once it is up.
    stopOnSignals({ stop: async () => (await starting).end() });
    const runtime = await starting;
    const http = (runtime.apis[0]?.url ?? '').replace(/^ws:/, 'http:');
    out(`demo ${http}/  dashboard ${http}/_topicast`);
  } catch (error) {
    process.stderr.write(error instanceof DataDirInUseError ? `topicast: ${error.message}\n` : `topicast: could not start the local gateway: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && resolvePath(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
