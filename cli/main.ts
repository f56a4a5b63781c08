/**
 * The `topicast` command line. `cli/topicast.mjs` (the package's bin) loads this through
 * tsx, so it runs from a checkout with no build step.
 *
 *   topicast token --sub alice [--ttl 1h] [--claim role=admin] [--secret S | --stack NAME [--region R]]
 */
import { sdkClients, tokenCommand, TOKEN_USAGE, UsageError, type AwsClients } from './token.js';

export const USAGE = `usage: topicast <command> [options]

Commands:
  token   print a signed token for connecting (topicast token --help)
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clients?: AwsClients;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

/** Runs one command; resolves to the process exit status (0 ok, 1 failed, 2 usage). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'token') {
    io.err(`topicast: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(TOKEN_USAGE);
    return 0;
  }
  try {
    io.out(`${await tokenCommand(args, io.env, io.clients ?? sdkClients)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`topicast token: ${error.message}\n(topicast token --help lists the options)\n`);
      return 2;
    }
    io.err(`topicast token: ${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK names missing credentials and unknown stacks; say what to do about them.
  if (error.name === 'CredentialsProviderError') return `no AWS credentials (${error.message}); configure them with aws configure or AWS_PROFILE`;
  return error.message;
}
