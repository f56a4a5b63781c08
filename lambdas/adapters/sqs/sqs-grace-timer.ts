/**
 * The grace timer on AWS: one SQS message per held presence, delayed by the grace period
 * (`DelaySeconds`, at most 900), read by the presence-grace function through its event
 * source mapping. `SendMessageBatch` (JSON 1.0 protocol) as one signed POST with the
 * repo's own SigV4 signer: no SDK client in the `$disconnect` bundle. A request that fails
 * is retried as the SDK would (aws-json/retrying-post.ts): without retries one reset pooled
 * socket would cost a member its grace period. Entries SQS refuses are sent again once;
 * what is still refused throws, and the caller releases those presences at once (an early
 * leave rather than a lost one).
 */
import type { GraceTimer } from '../../core/ports.js';
import type { HeldMember } from '../../core/presence-grace.js';
import type { CredentialProvider } from '../management-api/credentials.js';
import { postJson, type JsonPost } from '../aws-json/json-post.js';
import { retryingJsonPost, type RetryOptions } from '../aws-json/retrying-post.js';
import { headerSigner, type HeaderSigner } from '../eventbridge/header-signer.js';

/** SQS's own limits: 10 entries per batch, a delay of at most 900 s. */
export const SQS_LIMITS = { entries: 10, maxDelaySeconds: 900 } as const;

/** `maxAttempts`, `random`, `sleep`: a request's retries. @default the SDK's (3 attempts) */
export interface SqsGraceTimerOptions extends RetryOptions {
  readonly queueUrl: string;
  readonly region: string;
  readonly credentials: CredentialProvider;
  /** SQS's endpoint, or an emulator's (resolved at each request). @default the queue URL's origin */
  readonly endpoint?: string | (() => string);
  /** One attempt. @default a node:http(s) request */
  readonly post?: JsonPost;
  /** @default 3000 */
  readonly timeoutMs?: number;
}

interface BatchOutput {
  readonly Failed?: readonly { readonly Id: string; readonly Code?: string; readonly Message?: string }[];
}

export class SqsGraceTimer implements GraceTimer {
  private signer: { readonly host: string; readonly signer: HeaderSigner } | undefined;
  private readonly post: JsonPost;

  public constructor(private readonly options: SqsGraceTimerOptions) {
    this.post = retryingJsonPost(options.post ?? postJson, options);
  }

  public async schedule(held: readonly HeldMember[], delayMs: number): Promise<void> {
    const DelaySeconds = Math.min(SQS_LIMITS.maxDelaySeconds, Math.max(0, Math.ceil(delayMs / 1000)));
    for (let start = 0; start < held.length; start += SQS_LIMITS.entries) {
      let entries = held.slice(start, start + SQS_LIMITS.entries).map((member, index) => ({ Id: String(index), MessageBody: JSON.stringify(member), DelaySeconds }));
      for (let attempt = 1; entries.length > 0; attempt += 1) {
        const failed = await this.send(entries);
        if (failed.length === 0) break;
        if (attempt >= 2) throw new Error(`SendMessageBatch refused ${failed.length} entries: ${failed.join(', ')}`);
        const refused = new Set(failed.map((failure) => failure.split(':')[0]));
        entries = entries.filter((entry) => refused.has(entry.Id));
      }
    }
  }

  /** One request (with its retries); the ids (and codes) of the entries it refused. */
  private async send(entries: readonly { Id: string; MessageBody: string; DelaySeconds: number }[]): Promise<string[]> {
    const body = JSON.stringify({ QueueUrl: this.options.queueUrl, Entries: entries });
    const endpoint = this.options.endpoint === undefined ? new URL(this.options.queueUrl).origin : typeof this.options.endpoint === 'function' ? this.options.endpoint() : this.options.endpoint;
    const url = new URL(endpoint);
    const headers = await this.signerFor(url.host).sign(url.host, '/', body, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' });
    const response = await this.post(url, headers, body, this.options.timeoutMs ?? 3000);
    if (response.status < 200 || response.status > 299) throw new Error(`SendMessageBatch answered ${response.status}: ${response.body.slice(0, 300)}`);
    const output = JSON.parse(response.body || '{}') as BatchOutput;
    return (output.Failed ?? []).map((failure) => `${failure.Id}:${failure.Code ?? ''}`);
  }

  private signerFor(host: string): HeaderSigner {
    if (this.signer?.host !== host) this.signer = { host, signer: headerSigner('sqs', this.options.region, this.options.credentials) };
    return this.signer.signer;
  }
}
