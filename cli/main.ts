/**
 * The `topicast` command line. `cli/topicast.mjs` (the package's bin) runs the compiled
 * build when there is one, else this file through tsx, so it runs from a checkout too.
 *
 *   topicast token --sub alice [--ttl 1h] [--claim role=admin] [--secret S | --stack NAME [--region R]]
 *   topicast publish --topic T --event E [--payload JSON] (--url URL | --stack NAME [--region R])
 *   topicast presence --topic T (--url URL | --stack NAME [--region R])
 *   topicast disconnect (--connection ID | --user SUB) (--url URL | --stack NAME [--region R])
 *   topicast history --topic T [--since N] [--limit N] (--url URL | --stack NAME [--region R])
 *   topicast check <ws url> [--publish-url URL] [--token JWT]
 *   topicast dynamodb [--port 8000] [--data-dir DIR]   (an embedded DynamoDB several gateways share)
 *   topicast local [--app DIR] [--assembly CDK_OUT] [--port N] [--quiet]   (a CDK app's WebSocket APIs, run locally)
 */
import { CHECK_USAGE, parseCheckArgs, runCheck } from './check.js';
import { dynamodbCommand, DYNAMODB_USAGE } from './dynamodb-command.js';
import { LOCAL_USAGE, localCommand } from './local-command.js';
import { sdkPublishClients, type PublishApiClients } from './publish-api-client.js';
import { isServerCommand, serverCommand, SERVER_USAGE } from './server-commands.js';
import { sdkClients, tokenCommand, TOKEN_USAGE, UsageError, type AwsClients } from './token.js';

export const USAGE = `usage: topicast <command> [options]

Commands:
  token       print a signed token for connecting (topicast token --help)
  publish     send an event to a topic's subscribers (topicast publish --help)
  presence    print who is present on a topic (topicast presence --help)
  disconnect  close a connection or every connection of a user (topicast disconnect --help)
  history     print a topic's retained messages (topicast history --help)
  check       verify a deployment end to end (topicast check --help)
  dynamodb    serve one embedded DynamoDB for several local gateways (topicast dynamodb --help)
  local       run a CDK app's WebSocket APIs locally, IAM enforced (topicast local --help)
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clients?: AwsClients;
  readonly publishClients?: PublishApiClients;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

const USAGES: Readonly<Record<string, string>> = { token: TOKEN_USAGE, check: CHECK_USAGE, dynamodb: DYNAMODB_USAGE, local: LOCAL_USAGE, ...SERVER_USAGE };

/** Runs one command; resolves to the process exit status (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const usage = USAGES[command];
  if (usage === undefined || !Object.hasOwn(USAGES, command)) {
    io.err(`topicast: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(usage);
    return 0;
  }
  try {
    return await run(command, args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`topicast ${command}: ${error.message}\n(topicast ${command} --help lists the options)\n`);
      return 2;
    }
    io.err(`topicast ${command}: ${describe(error)}\n`);
    return 1;
  }
}

async function run(command: string, args: readonly string[], io: CliIo): Promise<number> {
  const publishClients = io.publishClients ?? sdkPublishClients;
  if (command === 'dynamodb') return dynamodbCommand(args, io);
  if (command === 'check') {
    const passed = await runCheck(parseCheckArgs(args), publishClients, (line) => io.out(`${line}\n`));
    return passed ? 0 : 1;
  }
  if (command === 'local') return localCommand(args, io.env, (line) => io.out(`${line}\n`), (line) => io.err(`${line}\n`));
  if (isServerCommand(command)) {
    io.out(`${await serverCommand(command, args, io.env, publishClients)}\n`);
    return 0;
  }
  io.out(`${await tokenCommand(args, io.env, io.clients ?? sdkClients)}\n`);
  return 0;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK names missing credentials and regions; say what to do about them.
  if (error.name === 'CredentialsProviderError') return `no AWS credentials (${error.message}); configure them with aws configure or AWS_PROFILE`;
  if (/region is missing/i.test(error.message)) return 'no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION';
  if (error.name === 'ValidationError' && /does not exist/.test(error.message)) return `${error.message} (check the stack name and --region)`;
  if (error.name === 'TypeError' && error.message === 'fetch failed') return `could not reach the publish API (${String((error.cause as Error | undefined)?.message ?? error.cause)})`;
  return error.message;
}
