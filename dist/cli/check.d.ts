import { type PublishApiClients } from './publish-api-client.js';
export declare const CHECK_USAGE = "usage: topicast check <ws url> [--publish-url URL] [--token JWT] [--timeout MS]\n\nChecks a topicast deployment end to end and prints one PASS/FAIL line per step:\nconnect, join, presence, push, publish (with --publish-url), leave.\n\n  <ws url>            e.g. wss://abc.execute-api.eu-west-1.amazonaws.com/prod or ws://127.0.0.1:3001\n  --publish-url URL   the publish API (the stack's PublishUrl output, signed with your AWS\n                      credentials; or http://127.0.0.1:3001 locally)\n  --token JWT         a token for deployments that require one (topicast token --stack NAME --sub check)\n  --timeout MS        how long each step may take (default 10000)\n";
export interface CheckOptions {
    readonly url: string;
    readonly publishUrl: string | undefined;
    readonly token: string | undefined;
    readonly timeoutMs: number;
}
export declare function parseCheckArgs(args: readonly string[]): CheckOptions;
/** Runs the check, writing a line per step; resolves to true when every step passed. */
export declare function runCheck(options: CheckOptions, clients: Pick<PublishApiClients, 'credentials'>, write: (line: string) => void): Promise<boolean>;
