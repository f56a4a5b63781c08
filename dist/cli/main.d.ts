import { type PublishApiClients } from './publish-api-client.js';
import { type AwsClients } from './token.js';
export declare const USAGE = "usage: topicast <command> [options]\n\nCommands:\n  token       print a signed token for connecting (topicast token --help)\n  publish     send an event to a topic's subscribers (topicast publish --help)\n  presence    print who is present on a topic (topicast presence --help)\n  disconnect  close a connection or every connection of a user (topicast disconnect --help)\n  check       verify a deployment end to end (topicast check --help)\n";
export interface CliIo {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly clients?: AwsClients;
    readonly publishClients?: PublishApiClients;
}
/** Runs one command; resolves to the process exit status (0 ok, 1 failed, 2 usage). */
export declare function main(argv: readonly string[], io?: CliIo): Promise<number>;
