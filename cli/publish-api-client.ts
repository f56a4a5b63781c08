/**
 * Calls the HTTP publish API: unsigned on a local gateway (`--url http://127.0.0.1:3001`),
 * SigV4-signed (service `lambda`) on a deployed stack's Function URL, whose address the
 * `PublishUrl` output holds (`--stack NAME`).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { cachedCredentials, type CredentialProvider } from '../lambdas/adapters/management-api/credentials.js';
import { LeanSigV4 } from '../lambdas/adapters/management-api/sigv4.js';
import { UsageError } from './token.js';

/** The name of the stack output holding the publish URL (lib/topicast-stack.ts). */
export const PUBLISH_URL_OUTPUT = 'PublishUrl';

export type PublishTarget =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'stack'; readonly stackName: string; readonly region: string | undefined };

/** What `--stack` needs from AWS; injectable so tests can stand in for it. */
export interface PublishApiClients {
  readonly cloudFormation: (region: string | undefined) => Pick<CloudFormationClient, 'send'>;
  readonly credentials: CredentialProvider;
}

export const sdkPublishClients: PublishApiClients = {
  cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
  credentials: cachedCredentials(defaultProvider()),
};

export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
}

/** `--url` or `--stack` (with `--region`), exactly one. */
export function publishTarget(values: { url?: string | undefined; stack?: string | undefined; region?: string | undefined }, env: Readonly<Record<string, string | undefined>>): PublishTarget {
  if ((values.url === undefined) === (values.stack === undefined)) {
    throw new UsageError('pass --url <local gateway http url> (e.g. --url http://127.0.0.1:3001) or --stack NAME for a deployed stack');
  }
  if (values.url !== undefined) {
    if (values.region !== undefined) throw new UsageError('--region only applies with --stack');
    return { kind: 'url', url: httpUrl(values.url, '--url') };
  }
  if (values.stack === '') throw new UsageError('--stack needs a stack name, e.g. --stack Topicast');
  return { kind: 'stack', stackName: values.stack as string, region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION };
}

/** An http(s) URL without a trailing slash. */
export function httpUrl(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${name} must be an http:// or https:// URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${name} must be an http:// or https:// URL, got "${text}"`);
  return url.toString().replace(/\/+$/, '');
}

/** The base URL of the publish API: as given, or the stack's `PublishUrl` output. */
export async function publishBaseUrl(target: PublishTarget, clients: PublishApiClients): Promise<string> {
  if (target.kind === 'url') return target.url;
  if (!target.region) {
    throw new Error('no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION');
  }
  const { Stacks } = await clients.cloudFormation(target.region).send(new DescribeStacksCommand({ StackName: target.stackName }));
  const url = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === PUBLISH_URL_OUTPUT)?.OutputValue;
  if (!url) throw new Error(`stack ${target.stackName} has no ${PUBLISH_URL_OUTPUT} output; is it a topicast stack deployed from this version?`);
  return url.replace(/\/+$/, '');
}

/**
 * POSTs a JSON body to `<base>/<path>`. https URLs are signed with SigV4 for the Function
 * URL's region (named by its host, `<id>.lambda-url.<region>.on.aws`); http ones (a local
 * gateway) are sent as they are.
 */
export async function callPublishApi(base: string, path: string, body: unknown, clients: Pick<PublishApiClients, 'credentials'>): Promise<ApiAnswer> {
  const url = new URL(`${base}${path}`);
  const text = JSON.stringify(body);
  const headers = await publishApiHeaders(url, text, clients.credentials);
  const response = await fetch(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(30_000) });
  const answer = await response.text();
  let parsed: unknown = answer;
  try {
    parsed = JSON.parse(answer);
  } catch {
    // Not JSON (a proxy's error page): keep the text for the message.
  }
  return { status: response.status, body: parsed };
}

/** The request headers: SigV4 (service `lambda`) for an https Function URL, none but the content type for http. */
export async function publishApiHeaders(url: URL, body: string, credentials: CredentialProvider, nowMs: () => number = Date.now): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (url.protocol !== 'https:') return headers;
  const region = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
  if (!region) throw new Error(`cannot tell the AWS region of ${url.host}; a topicast publish URL looks like https://<id>.lambda-url.<region>.on.aws`);
  // fetch sets Host itself, from the same URL the signature covers.
  const { host: _host, ...signed } = await new LeanSigV4('lambda', region, credentials, nowMs).sign(url.host, url.pathname, body);
  return { ...headers, ...signed };
}

/** `reason: message` of a refusal, or the status when the body says nothing. */
export function describeRefusal(answer: ApiAnswer): string {
  const { reason, message } = (answer.body ?? {}) as { reason?: string; message?: string };
  if (answer.status === 403) return `HTTP 403: the publish URL refused your AWS credentials (they need lambda:InvokeFunctionUrl on the publish function)${message ? `: ${message}` : ''}`;
  return reason ? `${reason}: ${message ?? ''}` : `HTTP ${answer.status}: ${typeof answer.body === 'string' ? answer.body.slice(0, 200) : JSON.stringify(answer.body)}`;
}
