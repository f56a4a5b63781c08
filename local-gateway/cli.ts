/**
 * `npm start`: runs the local gateway until Ctrl-C.
 *   --port N       (or PORT, default 3001)
 *   --data-dir DIR keep the embedded DynamoDB on disk
 *   --stage NAME   stage name in events and Management API paths (default local)
 *   --quiet        no per-request log lines
 *   --config FILE  JSON settings (same shape as TOPICAST_CONFIG)
 *   --channel FILE a channel module (repeatable); the same file the construct's `channels` bundles
 *   --lifecycle-events  print connected/disconnected/joined/left/occupied/vacated events and
 *                  list them on the dashboard (config `lifecycleEvents`; docs/events.md)
 * Environment: DYNAMODB_ENDPOINT, TOPICAST_AUTH, TOPICAST_TOKEN_SECRET, TOPICAST_JWKS_URL,
 * TOPICAST_ALLOWED_ORIGINS, TOPICAST_CONFIG, TABLE_NAME; with lifecycle events,
 * TOPICAST_EVENTS_ENDPOINT and TOPICAST_EVENT_BUS send them to another PutEvents (LocalStack).
 * TOPICAST_PUSHER_APP_ID, TOPICAST_PUSHER_KEY and TOPICAST_PUSHER_SECRET turn the Pusher protocol and
 * Pusher's HTTP API (under /apps/ on this port) on; TOPICAST_PUSHER_WEBHOOK_URL adds webhooks (docs/pusher.md).
 */
import { readFileSync } from 'node:fs';
import type { TopicastConfigInput } from '../lambdas/core/config.js';
import { parseCommandLine, usageLine, usageText, type OptionSpecs } from '../cli/command-line.js';
import { DataDirInUseError } from '../cli/data-dir-lock.js';
import { stopOnSignals } from '../cli/shutdown.js';

// The SDK warns that its 2027 releases will need Node 22. Deployed functions run Node 22+;
// locally the warning says nothing actionable on every start, so it is silenced here only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const OPTIONS: OptionSpecs = {
  port: { type: 'string', placeholder: 'N', description: 'port of the gateway and its pages (or PORT; default 3001)' },
  'data-dir': { type: 'string', placeholder: 'DIR', description: 'keep the embedded DynamoDB on disk in DIR (one process per DIR)' },
  stage: { type: 'string', placeholder: 'NAME', description: 'stage name in events and Management API paths (default local)' },
  quiet: { type: 'boolean', description: 'no per-request log lines' },
  config: { type: 'string', placeholder: 'FILE', description: 'JSON settings, the same shape as TOPICAST_CONFIG' },
  channel: { type: 'string', multiple: true, placeholder: 'FILE', description: 'a channel module (repeatable)' },
  'lifecycle-events': { type: 'boolean', description: 'print lifecycle events and list them on the dashboard' },
};
const INVOCATION = 'npm start --';
const USAGE = usageText(INVOCATION, OPTIONS);
// After a mistake: the message, the usage line, and where the rest is.
const SHORT_USAGE = `${usageLine(INVOCATION, OPTIONS)}\n(npm start -- --help describes every option)\n`;

const commandLine = parseCommandLine(process.argv.slice(2), OPTIONS, { invocation: INVOCATION });
if (commandLine.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (commandLine.kind === 'usage-error') {
  process.stderr.write(`topicast: ${commandLine.message}\n${SHORT_USAGE}`);
  process.exit(2);
}
const values = commandLine.values as { port?: string; 'data-dir'?: string; stage?: string; quiet?: boolean; config?: string; channel?: string[]; 'lifecycle-events'?: boolean };

const port = Number(values.port ?? process.env.PORT ?? 3001);
if (!/^\d+$/.test(String(values.port ?? process.env.PORT ?? 3001)) || port > 65535) {
  process.stderr.write(`topicast: invalid port ${String(values.port ?? process.env.PORT)} (an integer from 0 to 65535)\n${SHORT_USAGE}`);
  process.exit(2);
}

try {
  const fileConfig = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as TopicastConfigInput) : undefined;
  // The flag turns events on and keeps a `source` the config file may set.
  const config: TopicastConfigInput | undefined = values['lifecycle-events'] && !fileConfig?.lifecycleEvents ? { ...fileConfig, lifecycleEvents: true } : fileConfig;
  // Loaded after the arguments are checked: a mistake is answered at once, not after the SDK loads.
  const { startGateway } = await import('./gateway.js');
  const starting = startGateway({
    port,
    dataDir: values['data-dir'],
    quiet: values.quiet === true,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(config ? { config } : {}),
    channels: values.channel ?? [],
  });
  // Before the start completes (it takes a second or more): a SIGTERM, or npm's shell going
  // away, during the start still ends the gateway once it is up.
  stopOnSignals({ stop: async () => (await starting).end() });
  const gateway = await starting;
  process.stdout.write(`topicast local gateway listening on ${gateway.url}\n`);
  const http = gateway.url.replace(/^ws:/, 'http:');
  process.stdout.write(`demo ${http}/  dashboard ${http}/_topicast\n`);
} catch (error) {
  process.stderr.write(error instanceof DataDirInUseError ? `topicast: ${error.message}\n` : `topicast: could not start the local gateway: ${(error as Error).message}\n`);
  process.exit(1);
}
