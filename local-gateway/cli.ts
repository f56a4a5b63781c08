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
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TopicastConfigInput } from '../lambdas/core/config.js';
import { startGateway } from './gateway.js';

// The SDK warns that its 2027 releases will need Node 22. Deployed functions run Node 22+;
// locally the warning says nothing actionable on every start, so it is silenced here only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    stage: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    config: { type: 'string' },
    channel: { type: 'string', multiple: true },
    'lifecycle-events': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: npm start -- [--port N] [--data-dir DIR] [--stage NAME] [--quiet] [--config FILE] [--channel FILE ...] [--lifecycle-events]\n');
  process.exit(0);
}

const port = Number(values.port ?? process.env.PORT ?? 3001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`topicast: invalid port ${String(values.port ?? process.env.PORT)}\n`);
  process.exit(2);
}

try {
  const fileConfig = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as TopicastConfigInput) : undefined;
  // The flag turns events on and keeps a `source` the config file may set.
  const config: TopicastConfigInput | undefined = values['lifecycle-events'] && !fileConfig?.lifecycleEvents ? { ...fileConfig, lifecycleEvents: true } : fileConfig;
  const gateway = await startGateway({
    port,
    dataDir: values['data-dir'],
    quiet: values.quiet,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(config ? { config } : {}),
    channels: values.channel ?? [],
  });
  process.stdout.write(`topicast local gateway listening on ${gateway.url}\n`);
  const http = gateway.url.replace(/^ws:/, 'http:');
  process.stdout.write(`demo ${http}/  dashboard ${http}/_topicast\n`);
  const stop = () => {
    gateway.end().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`topicast: could not start the local gateway: ${(error as Error).message}\n`);
  process.exit(1);
}
