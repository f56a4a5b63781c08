/**
 * EventBridge's `PutEvents`, emulated on the gateway's own port for lifecycle events: the
 * presence function's real publisher (signed JSON 1.1 POST) sends here, and so can the AWS
 * SDK's EventBridge client by endpoint override. Requests are refused as EventBridge
 * refuses them (more than 10 entries or 256 KB: 400 ValidationException; an entry without
 * Source, DetailType or a JSON object Detail: that entry fails and `FailedEntryCount`
 * counts it). Every accepted event is printed as one line and kept for the dashboard.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PUT_EVENTS_LIMITS } from '../lambdas/adapters/eventbridge/put-events-publisher.js';
import type { HttpRoute } from './http-routes.js';
import { readBody } from './management-api.js';

/** The bus lifecycle events go to locally (any name is accepted: there is one bus). */
export const LOCAL_EVENT_BUS = 'topicast-local';

export interface LocalBusEvent {
  /** EventBridge's own id of the event (a new one per PutEvents entry). */
  readonly id: string;
  /** When the bus received it, epoch ms. */
  readonly receivedAt: number;
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  /** The event's `time`, ISO 8601. */
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

interface EntryInput {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
  readonly Time?: unknown;
}

type EntryResult = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

const KEPT = 200;
// The body may hold 256 KB of entries plus the JSON around them.
const MAX_BODY_BYTES = 2 * PUT_EVENTS_LIMITS.bytes;

export class LocalEventBus {
  private readonly recent: LocalBusEvent[] = [];
  private readonly listeners = new Set<(event: LocalBusEvent) => void>();

  public constructor(private readonly write: (line: string) => void) {}

  /** Accepted events, newest first (the last 200). */
  public events(): readonly LocalBusEvent[] {
    return [...this.recent];
  }

  /** Calls `listener` with every event accepted from now on; returns the unsubscribe. */
  public subscribe(listener: (event: LocalBusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  public route(): HttpRoute {
    return {
      name: 'event bus',
      matches: (request) => request.method === 'POST' && String(request.headers['x-amz-target'] ?? '').startsWith('AWSEvents.'),
      handle: (request, response) => this.handle(request, response),
    };
  }

  /** The PutEvents answer for a request body (exposed for tests of the emulation itself). */
  public putEvents(body: string): { status: number; body: Record<string, unknown> } {
    let entries: EntryInput[];
    try {
      const parsed = JSON.parse(body) as { Entries?: unknown };
      if (!Array.isArray(parsed.Entries)) return validation('1 validation error detected: Value null at \'entries\' failed to satisfy constraint: Member must not be null');
      entries = parsed.Entries as EntryInput[];
    } catch {
      return { status: 400, body: { __type: 'SerializationException', message: 'the body is not JSON' } };
    }
    if (entries.length < 1 || entries.length > PUT_EVENTS_LIMITS.entries) {
      return validation(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_LIMITS.entries}`);
    }
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > PUT_EVENTS_LIMITS.bytes) return validation('Total size of the entries in the request is over the limit.');
    const results = entries.map((entry) => this.accept(entry));
    return { status: 200, body: { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results } };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target']);
    const body = await readBody(request, MAX_BODY_BYTES);
    const answer =
      target !== 'AWSEvents.PutEvents'
        ? { status: 400, body: { __type: 'UnknownOperationException', message: `the local event bus serves PutEvents only, not ${target}` } }
        : body.tooLarge
          ? validation('Total size of the entries in the request is over the limit.')
          : this.putEvents(body.data.toString('utf8'));
    response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer.body));
  }

  private accept(entry: EntryInput): EntryResult {
    if (typeof entry.Source !== 'string' || typeof entry.DetailType !== 'string' || typeof entry.Detail !== 'string') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
    }
    if (entry.Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const receivedAt = Date.now();
    const event: LocalBusEvent = {
      id: randomUUID(),
      receivedAt,
      bus: typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default',
      source: entry.Source,
      detailType: entry.DetailType,
      time: new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : receivedAt).toISOString(),
      detail: detail as Record<string, unknown>,
    };
    this.recent.unshift(event);
    this.recent.length = Math.min(this.recent.length, KEPT);
    this.write(`event ${event.detailType} ${entry.Detail}`);
    for (const listener of this.listeners) listener(event);
    return { EventId: event.id };
  }
}

function validation(message: string): { status: number; body: Record<string, unknown> } {
  return { status: 400, body: { __type: 'ValidationException', message } };
}

// EventBridge's entry size: 14 bytes for Time, the UTF-8 bytes of Source, DetailType and Detail.
function entrySize(entry: EntryInput): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  return (entry.Time === undefined ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
}
