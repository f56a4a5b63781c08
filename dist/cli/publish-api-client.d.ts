/**
 * Calls the HTTP publish API: unsigned on a local gateway (`--url http://127.0.0.1:3001`),
 * SigV4-signed (service `lambda`) on a deployed stack's Function URL, whose address the
 * `PublishUrl` output holds (`--stack NAME`).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type CredentialProvider } from '../lambdas/adapters/management-api/credentials.js';
/** The name of the stack output holding the publish URL (lib/topicast-stack.ts). */
export declare const PUBLISH_URL_OUTPUT = "PublishUrl";
export type PublishTarget = {
    readonly kind: 'url';
    readonly url: string;
} | {
    readonly kind: 'stack';
    readonly stackName: string;
    readonly region: string | undefined;
};
/** What `--stack` needs from AWS; injectable so tests can stand in for it. */
export interface PublishApiClients {
    readonly cloudFormation: (region: string | undefined) => Pick<CloudFormationClient, 'send'>;
    readonly credentials: CredentialProvider;
}
export declare const sdkPublishClients: PublishApiClients;
export interface ApiAnswer {
    readonly status: number;
    readonly body: any;
}
/** `--url` or `--stack` (with `--region`), exactly one. */
export declare function publishTarget(values: {
    url?: string | undefined;
    stack?: string | undefined;
    region?: string | undefined;
}, env: Readonly<Record<string, string | undefined>>): PublishTarget;
/** An http(s) URL without a trailing slash. */
export declare function httpUrl(text: string, name: string): string;
/** The base URL of the publish API: as given, or the stack's `PublishUrl` output. */
export declare function publishBaseUrl(target: PublishTarget, clients: PublishApiClients): Promise<string>;
/**
 * POSTs a JSON body to `<base>/<path>`. https URLs are signed with SigV4 for the Function
 * URL's region (named by its host, `<id>.lambda-url.<region>.on.aws`); http ones (a local
 * gateway) are sent as they are.
 */
export declare function callPublishApi(base: string, path: string, body: unknown, clients: Pick<PublishApiClients, 'credentials'>): Promise<ApiAnswer>;
/** `reason: message` of a refusal, or the status when the body says nothing. */
export declare function describeRefusal(answer: ApiAnswer): string;
