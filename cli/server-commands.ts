/**
 * `topicast publish`, `topicast presence` and `topicast disconnect`: the HTTP publish API
 * from the command line, against a local gateway (`--url`) or a deployed stack (`--stack`).
 */
import { parseArgs } from 'node:util';
import type { PresenceState } from '../lambdas/core/presence.js';
import { callPublishApi, describeRefusal, publishBaseUrl, publishTarget, type PublishApiClients } from './publish-api-client.js';
import { UsageError } from './token.js';

const TARGET_HELP = `  --url URL          a local gateway, e.g. http://127.0.0.1:3001 (unsigned)
  --stack NAME       a deployed topicast stack (its PublishUrl output, signed with your AWS credentials)
  --region REGION    the stack's region (default: AWS_REGION)
`;

export const SERVER_USAGE: Readonly<Record<string, string>> = {
  publish: `usage: topicast publish --topic T --event E [--payload JSON] (--url URL | --stack NAME [--region R])

Sends an event to every subscriber of a topic, as a backend would.

  --topic T          e.g. room:lobby or user:alice
  --event E          the event name (not phx_* or presence_*)
  --payload JSON     the payload (default {})
${TARGET_HELP}`,
  presence: `usage: topicast presence --topic T (--url URL | --stack NAME [--region R])

Prints who is present on a topic: each presence key, then its metas (one per connection).

${TARGET_HELP}`,
  history: `usage: topicast history --topic T [--since N] [--limit N] (--url URL | --stack NAME [--region R])

Prints a topic's retained messages after seq N (default: all), oldest first, one JSON line
each ({"seq","event","payload"}), then a line with the topic's current seq and whether
retention dropped messages after N. The topic needs a "history" pattern in the config.

  --topic T          e.g. room:lobby
  --since N          only messages with a greater seq (the last seq you saw)
  --limit N          at most N messages (default: the topic's maxMessages)
${TARGET_HELP}`,
  disconnect: `usage: topicast disconnect (--connection ID | --user SUB) (--url URL | --stack NAME [--region R])

Closes one connection, or every connection of a user (the token's sub).

${TARGET_HELP}`,
};

const TARGET_OPTIONS = { url: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } } as const;
const OPTIONS = {
  publish: { ...TARGET_OPTIONS, topic: { type: 'string' }, event: { type: 'string' }, payload: { type: 'string' } },
  presence: { ...TARGET_OPTIONS, topic: { type: 'string' } },
  disconnect: { ...TARGET_OPTIONS, connection: { type: 'string' }, user: { type: 'string' } },
  history: { ...TARGET_OPTIONS, topic: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
} as const;

export type ServerCommand = keyof typeof OPTIONS;

export function isServerCommand(command: string): command is ServerCommand {
  return Object.hasOwn(OPTIONS, command);
}

/** Runs one command; returns what to print. Throws UsageError (exit 2) or Error (exit 1). */
export async function serverCommand(command: ServerCommand, args: readonly string[], env: Readonly<Record<string, string | undefined>>, clients: PublishApiClients): Promise<string> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: withAttachedValues(args, OPTIONS[command]), options: OPTIONS[command], strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { path, body } = request(command, values);
  const target = publishTarget(values, env);
  const answer = await callPublishApi(await publishBaseUrl(target, clients), path, body, clients);
  if (answer.status !== 200) throw new Error(describeRefusal(answer));
  return format(command, answer.body);
}

/**
 * `--connection -AbC…=` as `--connection=-AbC…=`: connection ids are base64url and can begin
 * with a dash, which parseArgs refuses as an "ambiguous" value. Every option here takes a
 * value, so a word after one is its value unless it is itself a `--` option.
 */
function withAttachedValues(args: readonly string[], options: Readonly<Record<string, { readonly type: string }>>): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] as string;
    const next = args[index + 1];
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !next.startsWith('--')) {
      joined.push(`${word}=${next}`);
      index += 1;
    } else joined.push(word);
  }
  return joined;
}

function request(command: ServerCommand, values: Record<string, string | undefined>): { path: string; body: unknown } {
  switch (command) {
    case 'publish':
      return { path: '/publish', body: { topic: required(values.topic, '--topic'), event: required(values.event, '--event'), payload: parsePayload(values.payload) } };
    case 'presence':
      return { path: '/presence', body: { topic: required(values.topic, '--topic') } };
    case 'history':
      return {
        path: '/history',
        body: {
          topic: required(values.topic, '--topic'),
          ...(values.since !== undefined ? { since: wholeNumber(values.since, '--since', 0) } : {}),
          ...(values.limit !== undefined ? { limit: wholeNumber(values.limit, '--limit', 1) } : {}),
        },
      };
    case 'disconnect':
      if ((values.connection === undefined) === (values.user === undefined)) throw new UsageError('pass either --connection ID or --user SUB');
      return { path: '/disconnect', body: values.user !== undefined ? { user: values.user } : { connectionId: values.connection } };
  }
}

function format(command: ServerCommand, body: any): string {
  switch (command) {
    case 'publish':
      return (body.results as { topic: string; delivered: number; gone: number; failed: number; queued: number }[])
        .map((r) => `${r.topic}: delivered ${r.delivered}, gone ${r.gone}, failed ${r.failed}${r.queued > 0 ? `, queued for fan-out workers ${r.queued}` : ''}`)
        .join('\n');
    case 'presence': {
      const entries = Object.entries(body.presence as PresenceState);
      if (entries.length === 0) return `nobody is present on ${String(body.topic)}`;
      return entries.map(([key, { metas }]) => `${key}\n${metas.map((meta) => `  ${JSON.stringify(meta)}`).join('\n')}`).join('\n');
    }
    case 'disconnect':
      return `closed ${body.closed}, already gone ${body.gone}`;
    case 'history': {
      const lines = (body.messages as unknown[]).map((message) => JSON.stringify(message));
      lines.push(`${String(body.topic)}: ${lines.length} message${lines.length === 1 ? '' : 's'}, current seq ${String(body.seq)}${body.truncated ? ', retention dropped messages after --since' : ''}`);
      return lines.join('\n');
    }
  }
}

function wholeNumber(text: string, name: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new UsageError(`${name} must be an integer of at least ${min}, got ${text}`);
  return value;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`${name} is required`);
  return value;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--payload must be JSON, e.g. --payload '{"body":"hello"}', got ${text}`);
  }
}
