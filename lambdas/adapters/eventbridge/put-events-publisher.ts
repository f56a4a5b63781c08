/**
 * Lifecycle events to an EventBridge bus: `PutEvents` (JSON 1.1 protocol) as one signed
 * POST, with the repo's own SigV4 signer instead of an SDK client (the presence function
 * stays small). PutEvents takes at most 10 entries and 256 KB per request, so events go
 * in batches within both; a request may also succeed partly (`FailedEntryCount`), and the
 * entries it refused are sent again, with backoff, up to `maxAttempts` times in all.
 * What is still refused is handed back, and the stream retries it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LifecycleEvent, LifecyclePublisher } from '../../core/lifecycle-events.js';
import type { Logger } from '../../core/ports.js';
import type { CredentialProvider } from '../management-api/credentials.js';
import { headerSigner, type HeaderSigner, type HeaderSignerFactory } from './header-signer.js';

/** PutEvents' own limits (EventBridge quotas: 10 entries, 256 KB per request). */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;

export interface JsonResponse {
  readonly status: number;
  readonly body: string;
}

/** One POST of a JSON body; rejects when nothing came back (a socket error, the timeout). */
export type JsonPost = (url: URL, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number) => Promise<JsonResponse>;

export interface PutEventsPublisherOptions {
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
  /** @default a node:http(s) request */
  readonly post?: JsonPost;
  /** Attempts per entry within one call, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** The wait before retry n is random() * baseBackoffMs * 2^(n-1). @default 100 */
  readonly baseBackoffMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
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

// HTTP answers worth another try; anything else 4xx (validation, access denied, no such bus) will not improve.
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_ERROR_TYPES = /Throttl|InternalException|InternalFailure|ServiceUnavailable/;

export class PutEventsPublisher implements LifecyclePublisher {
  private signer: { readonly host: string; readonly signer: HeaderSigner } | undefined;
  private readonly post: JsonPost;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly baseBackoffMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: PutEventsPublisherOptions) {
    this.post = options.post ?? postJson;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.baseBackoffMs = options.baseBackoffMs ?? 100;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
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
      await this.sleep(this.random() * this.baseBackoffMs * 2 ** (attempt - 1));
    }
  }

  private async attempt(entries: readonly PutEventsEntry[]): Promise<{ kind: 'final'; error?: string } | { kind: 'retry'; retry: 'all' | number[]; reason: string }> {
    const body = JSON.stringify({ Entries: entries });
    let response: JsonResponse;
    try {
      const url = new URL(typeof this.options.endpoint === 'function' ? this.options.endpoint() : this.options.endpoint);
      const headers = await this.signerFor(url.host).sign(url.host, '/', body, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' });
      response = await this.post(url, headers, body, this.timeoutMs);
    } catch (error) {
      // An event sent twice is allowed (consumers deduplicate on eventId); one lost is not.
      return { kind: 'retry', retry: 'all', reason: String(error) };
    }
    if (response.status < 200 || response.status > 299) {
      const type = errorTypeOf(response.body);
      if (RETRYABLE_STATUS.has(response.status) || RETRYABLE_ERROR_TYPES.test(type)) return { kind: 'retry', retry: 'all', reason: `http ${response.status} ${type}` };
      return { kind: 'final', error: `http ${response.status} ${type}: ${response.body.slice(0, 300)}` };
    }
    let output: PutEventsOutput;
    try {
      output = JSON.parse(response.body) as PutEventsOutput;
    } catch {
      return { kind: 'retry', retry: 'all', reason: `http ${response.status} with a body that is not JSON` };
    }
    if (!output.FailedEntryCount) return { kind: 'final' };
    const refused = (output.Entries ?? []).flatMap((entry, index) => (entry.ErrorCode ? [index] : []));
    const codes = [...new Set((output.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : [])))];
    return { kind: 'retry', retry: refused, reason: `${output.FailedEntryCount} entries refused: ${codes.join(', ')}` };
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

function errorTypeOf(body: string): string {
  try {
    const type = (JSON.parse(body) as { __type?: unknown }).__type;
    return typeof type === 'string' ? type.slice(type.lastIndexOf('#') + 1) : '';
  } catch {
    return '';
  }
}

export const postJson: JsonPost = (url, headers, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const request = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`PutEvents timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
