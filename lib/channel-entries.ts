/**
 * Bundles channel modules into the route functions. For each function that runs channel
 * code, a small entry is generated next to the package (NodejsFunction wants its entry
 * under the project root): it imports a `channels.mjs` that imports the module files and
 * installs them, then re-exports the route's handler. ES modules evaluate in import order,
 * so the modules are installed before the handler builds its dependencies at load.
 * esbuild then bundles it like any entry: offline, from node_modules, no lock file needed
 * for the modules themselves. The folder is named by a hash of its content, so parallel
 * synths agree and nothing is rewritten when nothing changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TTL_DELETION_IDENTITY } from '../lambdas/adapters/dynamodb/stream-records.js';
import { EXPIRED_CONNECTION_ROW_FILTER } from '../lambdas/core/channels/expired-rows.js';
import { DEPS_LOCK_FILE_PATH, handlerEntry, type FunctionName, type PusherFunctionName, type RouteKey } from './realtime-api-defaults.js';

export type ChannelFunctionName = RouteKey | 'fanout-worker' | 'presence' | 'publish';

/**
 * Functions that run channel callbacks: join, handleIn, and leave (leave, disconnect, and
 * reaping gone connections in fan-out, presence and the HTTP publish and Pusher API functions).
 */
export const CHANNEL_FUNCTIONS: readonly ChannelFunctionName[] = ['$disconnect', 'join', 'leave', 'push', '$default', 'fanout-worker', 'presence', 'publish'];
/** Functions that exist only with a prop (`pusher`), and then run channel callbacks too (reaping in publish). */
export const OPTIONAL_CHANNEL_FUNCTIONS: readonly PusherFunctionName[] = ['pusher'];

/** Whether a function runs channel callbacks ($connect and ping do not). */
export function runsChannelCode(name: FunctionName | PusherFunctionName): name is ChannelFunctionName | 'pusher' {
  return (CHANNEL_FUNCTIONS as readonly string[]).includes(name) || (OPTIONAL_CHANNEL_FUNCTIONS as readonly string[]).includes(name);
}

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The event source mapping filter that passes connection rows deleted by TTL (for their modules' `leave`). */
export function expiredConnectionRowFilter(): Record<string, unknown> {
  const filter = EXPIRED_CONNECTION_ROW_FILTER;
  return lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.isEqual(filter.eventName),
    userIdentity: { type: lambda.FilterRule.isEqual(TTL_DELETION_IDENTITY.type), principalId: lambda.FilterRule.isEqual(TTL_DELETION_IDENTITY.principalId) },
    dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(filter.pkPrefix) }, sk: { S: lambda.FilterRule.beginsWith(filter.skPrefix) } } },
  });
}

/** Problems with the `channels` prop, as messages (empty when valid). Paths are relative to the CDK app's working directory. */
export function channelProblems(channels: readonly string[] | undefined, cwd = process.cwd()): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const path of channels ?? []) {
    if (typeof path !== 'string' || path.length === 0) {
      problems.push('channels entries must be paths of channel module files');
      continue;
    }
    const file = resolve(cwd, path);
    if (!MODULE_EXTENSIONS.includes(extname(file))) problems.push(`channel module ${path} must be a ${MODULE_EXTENSIONS.join(', ')} file`);
    else if (!existsSync(file)) problems.push(`channel module ${path} does not exist (resolved to ${file})`);
    if (seen.has(file)) problems.push(`channel module ${path} is listed twice`);
    seen.add(file);
  }
  return problems;
}

/** The entry file of `name` with the channel modules installed. */
export function channelEntry(name: ChannelFunctionName | 'pusher', channels: readonly string[], cwd = process.cwd()): string {
  const handler = handlerEntry(name);
  const installer = join(dirname(handler), '..', 'composition', `installed-channels${extname(handler)}`);
  const files = channels.map((path) => resolve(cwd, path));
  const installSource = [
    `import { installChannels } from ${JSON.stringify(installer)};`,
    ...files.map((file, index) => `import channel${index} from ${JSON.stringify(file)};`),
    `installChannels([${files.map((file, index) => `{ source: ${JSON.stringify(relative(cwd, file) || file)}, definition: channel${index} }`).join(', ')}]);`,
    '',
  ].join('\n');
  // The folder's name covers everything written into it: the install source and the entry's shape.
  const hash = createHash('sha256').update(installSource).update(entrySource(dirname(handler))).digest('hex').slice(0, 16);
  const dir = join(dirname(DEPS_LOCK_FILE_PATH), '.topicast', 'channel-entries', hash);
  writeOnce(join(dir, 'channels.mjs'), installSource);
  const entry = join(dir, `${name.replace('$', '')}.mjs`);
  writeOnce(entry, entrySource(handler));
  return entry;
}

/** Installs the modules first: ES modules evaluate in import order. */
function entrySource(handler: string): string {
  return `import './channels.mjs';\nexport { handler } from ${JSON.stringify(handler)};\n`;
}

/** Writes through a temporary name and a rename: a parallel synth never reads half a file. */
function writeOnce(file: string, content: string): void {
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
