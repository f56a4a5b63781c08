/**
 * Lifecycle events to an EventBridge bus: `PutEvents` (JSON 1.1 protocol) as one signed
 * POST, with the repo's own SigV4 signer instead of an SDK client (the presence function
 * stays small). PutEvents takes at most 10 entries and 256 KB per request, so events go
 * in batches within both. A request that fails is retried as the SDK would
 * (aws-json/retrying-post.ts); one may also succeed partly (`FailedEntryCount`), and the
 * entries it refused are sent again, with the same backoff, up to `maxAttempts` times in all.
 * What is still refused is handed back, and the stream retries it.
 */
import type { LifecycleEvent, LifecyclePublisher } from '../../core/lifecycle-events.js';
import type { Logger } from '../../core/ports.js';
import { postJson, type JsonPost, type JsonResponse } from '../aws-json/json-post.js';
import { backoffMs, errorCodeOf, isThrottlingCode, retryingJsonPost, SDK_RETRY, type RetryOptions } from '../aws-json/retrying-post.js';
import type { CredentialProvider } from '../management-api/credentials.js';
import { headerSigner, type HeaderSigner, type HeaderSignerFactory } from './header-signer.js';

/** PutEvents' own limits (EventBridge quotas: 10 entries, 256 KB per request). */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;

/** `maxAttempts` (@default 3) counts a request's attempts, and a refused entry's within one call. */
export interface PutEventsPublisherOptions extends RetryOptions {
  /** The bus's name or ARN (an ARN reaches a bus of another account). */
  readonly eventBusName: string;
  /** EventBridge `source` of every event. */
  readonly source: string;
  /** `https://events.{region}.amazonaws.com`, or an emulator's URL (resolved at each request: the local gateway knows its port late). */
  readonly endpoint: string | (() => string);
  readonly region: string;
  readonly credentials: CredentialProvider;
  readonly logger: Logger;
  /** @default headerSigner */
  readonly signer?: HeaderSignerFactory;
  /** One attempt. @default a node:http(s) request */
  readonly post?: JsonPost;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  /** Epoch seconds (the JSON protocol's timestamp form). */
  readonly Time: number;
}

interface PutEventsOutput {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly { readonly EventId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

export class PutEventsPublisher implements LifecyclePublisher {
  private signer: { readonly host: string; readonly signer: HeaderSigner } | undefined;
  private readonly post: JsonPost;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: PutEventsPublisherOptions) {
    this.maxAttempts = options.maxAttempts ?? SDK_RETRY.maxAttempts;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.post = retryingJsonPost(options.post ?? postJson, { maxAttempts: this.maxAttempts, random: this.random, sleep: this.sleep });
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  public async publish(events: readonly LifecycleEvent[]): Promise<readonly LifecycleEvent[]> {
    const batches = [...this.batches(events)];
    for (const [index, batch] of batches.entries()) {
      const failed = await this.send(batch);
      // In order, and none after a refusal: the stream retries from the refused event, so
      // sending later ones now would publish them twice.
      if (failed.length > 0) return [...failed, ...batches.slice(index + 1).flatMap((later) => later.map(({ event }) => event))];
    }
    return [];
  }

  /** The entry of one event, with its size as PutEvents counts it. */
  private entryOf(event: LifecycleEvent): { entry: PutEventsEntry; bytes: number } {
    const entry: PutEventsEntry = {
      Source: this.options.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      EventBusName: this.options.eventBusName,
      Time: event.timeMs / 1000,
    };
    // EventBridge's entry size: 14 bytes for Time, plus the UTF-8 bytes of Source, DetailType and Detail.
    const bytes = 14 + Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
    return { entry, bytes };
  }

  private *batches(events: readonly LifecycleEvent[]): Iterable<{ event: LifecycleEvent; entry: PutEventsEntry }[]> {
    let batch: { event: LifecycleEvent; entry: PutEventsEntry }[] = [];
    let size = 0;
    for (const event of events) {
      const { entry, bytes } = this.entryOf(event);
      if (bytes > PUT_EVENTS_LIMITS.bytes) {
        // No retry can send it: dropped, loudly.
        this.options.logger.error('lifecycle event over the 256 KB PutEvents limit, not sent', { detailType: event.detailType, eventId: event.detail.eventId, bytes });
        continue;
      }
      if (batch.length === PUT_EVENTS_LIMITS.entries || size + bytes > PUT_EVENTS_LIMITS.bytes) {
        yield batch;
        batch = [];
        size = 0;
      }
      batch.push({ event, entry });
      size += bytes;
    }
    if (batch.length > 0) yield batch;
  }

  /** One batch, its refused entries sent again; answers the events still refused. */
  private async send(batch: readonly { event: LifecycleEvent; entry: PutEventsEntry }[]): Promise<LifecycleEvent[]> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(pending.map(({ entry }) => entry));
      if (outcome.kind === 'final') {
        if (outcome.error) this.options.logger.error('PutEvents refused', { error: outcome.error, entries: pending.length });
        return outcome.error ? pending.map(({ event }) => event) : [];
      }
      const { retry } = outcome;
      pending = retry === 'all' ? pending : pending.filter((_, index) => retry.includes(index));
      if (attempt >= this.maxAttempts) {
        this.options.logger.error('PutEvents entries still refused after retries', { entries: pending.length, attempts: attempt, reason: outcome.reason });
        return pending.map(({ event }) => event);
      }
      await this.sleep(backoffMs(attempt - 1, outcome.throttled ? SDK_RETRY.throttlingBaseMs : SDK_RETRY.transientBaseMs, this.random));
    }
  }

  /** One request (retried by the post when it failed whole): final, or the entries to send again. */
  private async attempt(entries: readonly PutEventsEntry[]): Promise<{ kind: 'final'; error?: string } | { kind: 'retry'; retry: 'all' | number[]; reason: string; throttled: boolean }> {
    const body = JSON.stringify({ Entries: entries });
    let response: JsonResponse;
    try {
      const url = new URL(typeof this.options.endpoint === 'function' ? this.options.endpoint() : this.options.endpoint);
      const headers = await this.signerFor(url.host).sign(url.host, '/', body, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' });
      response = await this.post(url, headers, body, this.timeoutMs);
    } catch (error) {
      // No answer after the post's retries (or no request: signing failed): handed back for the
      // stream to retry. An event sent twice is allowed (consumers deduplicate on eventId); one lost is not.
      return { kind: 'final', error: String(error) };
    }
    if (response.status < 200 || response.status > 299) return { kind: 'final', error: `http ${response.status} ${errorCodeOf(response.body)}: ${response.body.slice(0, 300)}` };
    let output: PutEventsOutput;
    try {
      output = JSON.parse(response.body) as PutEventsOutput;
    } catch {
      return { kind: 'retry', retry: 'all', reason: `http ${response.status} with a body that is not JSON`, throttled: false };
    }
    if (!output.FailedEntryCount) return { kind: 'final' };
    const refused = (output.Entries ?? []).flatMap((entry, index) => (entry.ErrorCode ? [index] : []));
    const codes = [...new Set((output.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : [])))];
    // An entry refused for throttling waits as long as a throttled request would.
    const throttled = codes.some(isThrottlingCode);
    return { kind: 'retry', retry: refused, reason: `${output.FailedEntryCount} entries refused: ${codes.join(', ')}`, throttled };
  }

  private signerFor(host: string): HeaderSigner {
    if (this.signer?.host !== host) this.signer = { host, signer: (this.options.signer ?? headerSigner)('events', this.options.region, this.options.credentials) };
    return this.signer.signer;
  }
}

/** EventBridge's regional endpoint (China's regions answer under amazonaws.com.cn). */
export function eventsEndpointOf(region: string): string {
  return `https://events.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The region of a bus ARN (`arn:aws:events:eu-west-1:123456789012:event-bus/name`), if it is one. */
export function regionOfBusArn(nameOrArn: string): string | undefined {
  return /^arn:[^:]+:events:([a-z0-9-]+):/.exec(nameOrArn)?.[1];
}
