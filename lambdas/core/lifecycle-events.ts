/**
 * Lifecycle events (opt-in, config `lifecycleEvents`): what happened to connections and
 * topics, derived from the table's change stream so that every way an item comes and goes
 * counts, TTL deletions of vanished connections included. Pure: the stream adapter turns
 * records into changes, an event publisher (EventBridge PutEvents on AWS, the local
 * gateway's emulated bus) sends the events. Schema and guarantees: docs/events.md.
 */
import type { PresenceEntry, PresenceMeta } from './presence.js';
import type { PresenceStreamReader } from './presence-readers.js';

/** The `detail-type` of each event, as EventBridge rules match it. */
export const LIFECYCLE_DETAIL_TYPES = ['connected', 'disconnected', 'joined', 'left', 'occupied', 'vacated'] as const;
export type LifecycleDetailType = (typeof LIFECYCLE_DETAIL_TYPES)[number];

/** `detail.version`: raised only by a change a consumer must handle; fields may be added without it. */
export const LIFECYCLE_SCHEMA_VERSION = 1;

/** The default EventBridge `source` of the events. */
export const DEFAULT_LIFECYCLE_SOURCE = 'topicast';

/**
 * Connection items (pk `c#<id>`, sk `c`) reach the event reader only when created or
 * deleted: the write protocol updates them on every join and leave (MODIFY), which say
 * nothing here. The construct turns this into an event source mapping filter, the local
 * stream emulator applies it as is.
 */
export const CONNECTION_ITEM_STREAM_FILTER = { pkPrefix: 'c#', sortKey: 'c', eventNames: ['INSERT', 'REMOVE'] } as const;

/** Whether a stream record passes {@link CONNECTION_ITEM_STREAM_FILTER}. */
export function passesConnectionItemFilter(pk: string, sk: string, eventName: string): boolean {
  const filter = CONNECTION_ITEM_STREAM_FILTER;
  return pk.startsWith(filter.pkPrefix) && sk === filter.sortKey && (filter.eventNames as readonly string[]).includes(eventName);
}

/** Partition-key prefix of the per-topic occupancy markers (`l#<topic>` / `l`); IAM confines the marker writes to it. */
export const OCCUPANCY_MARKER_PREFIX = 'l#';

export type StreamOperation = 'INSERT' | 'MODIFY' | 'REMOVE';

interface ChangeBase {
  /** The stream record's eventID: unique in the stream and the same on every retry. */
  readonly eventId: string;
  /** Where the stream retries from when this change's event could not be published. */
  readonly sequenceNumber: string;
  readonly operation: StreamOperation;
  /** When the write happened (the record's ApproximateCreationDateTime), epoch ms. */
  readonly atMs: number;
  /**
   * The connection vanished without a `$disconnect`: deleted by DynamoDB's TTL, or removed
   * past its TTL by whoever read it first.
   */
  readonly expired: boolean;
}

/** A write to a connection item. */
export interface ConnectionItemChange extends ChangeBase {
  readonly kind: 'connection';
  readonly connectionId: string;
  /** The token's `sub`, or null for an anonymous connection. */
  readonly user: string | null;
  /** When API Gateway accepted the connection, epoch ms (null if the item does not say). */
  readonly connectedAtMs: number | null;
}

/** A write to a topic-side subscription item. */
export interface SubscriptionItemChange extends ChangeBase {
  readonly kind: 'subscription';
  readonly topic: string;
  readonly connectionId: string;
  /** The presence the item held before and after the write (null: none, or no item). */
  readonly before: PresenceEntry | null;
  readonly after: PresenceEntry | null;
}

export type LifecycleChange = ConnectionItemChange | SubscriptionItemChange;

export interface PresenceOfEvent {
  readonly key: string;
  readonly meta: PresenceMeta;
}

interface DetailBase {
  readonly version: typeof LIFECYCLE_SCHEMA_VERSION;
  /** Stable across retries and duplicates: deduplicate on it. */
  readonly eventId: string;
}

export interface ConnectedDetail extends DetailBase {
  readonly connectionId: string;
  readonly user: string | null;
  readonly connectedAt: string | null;
}
export interface DisconnectedDetail extends ConnectedDetail {
  /** `closed`: `$disconnect`, or removed after a post answered 410; `expired`: it vanished and passed its TTL. */
  readonly reason: 'closed' | 'expired';
}
export interface JoinedDetail extends DetailBase {
  readonly topic: string;
  readonly connectionId: string;
  /** The member's presence key and meta; null on topics without presence. */
  readonly presence: PresenceOfEvent | null;
}
export interface LeftDetail extends JoinedDetail {
  /** `removed`: a leave, the connection's `$disconnect` or its removal after a 410; `expired`: its connection vanished and passed its TTL. */
  readonly reason: 'removed' | 'expired';
}
export interface TopicDetail extends DetailBase {
  readonly topic: string;
}

export type LifecycleEvent =
  | EventOf<'connected', ConnectedDetail>
  | EventOf<'disconnected', DisconnectedDetail>
  | EventOf<'joined', JoinedDetail>
  | EventOf<'left', LeftDetail>
  | EventOf<'occupied', TopicDetail>
  | EventOf<'vacated', TopicDetail>;

interface EventOf<T extends LifecycleDetailType, D> {
  readonly detailType: T;
  readonly detail: D;
  /** When it happened, epoch ms (EventBridge's `time`). */
  readonly timeMs: number;
  /** The stream record it came from: where a retry must start if it was not published. */
  readonly sequenceNumber: string;
}

/**
 * Sends events in order; answers those not sent: the ones refused, and every one after
 * the first refused request (not tried, so that a retry from the refused one sends none twice).
 */
export interface LifecyclePublisher {
  publish(events: readonly LifecycleEvent[]): Promise<readonly LifecycleEvent[]>;
}

/**
 * Whether a topic has members, and the last occupancy transition announced for it, kept
 * on a marker item per topic so that occupied and vacated alternate, each announced once
 * (and again, with the same id, only when the batch that made it is retried).
 */
export interface OccupancyMarkers {
  /** Whether any subscription item of the topic exists now (at most one item read per shard). */
  isOccupied(topic: string, shards: number): Promise<boolean>;
  /**
   * Marks the topic occupied and refreshes the marker's expiry. Answers the id of the
   * transition that occupied it: `transitionId` when this call (or an earlier attempt of
   * the same batch) made it, another id when the topic was occupied already.
   */
  markOccupied(topic: string, transitionId: string, expiresAt: number): Promise<string>;
  /** Marks the topic vacant if it was occupied (or this transition already did); answers whether the transition is this one. */
  markVacant(topic: string, transitionId: string, expiresAt: number): Promise<boolean>;
}

/** One reader publishes, so that each record becomes one event: the default window's, which receives every topic item. */
export function readerPublishesEvents(reader: PresenceStreamReader): boolean {
  return reader.prefixes === null;
}

/** The event a connection or subscription write means, if any (a rewrite means none). */
export function eventOfChange(change: LifecycleChange): LifecycleEvent | null {
  const base = { version: LIFECYCLE_SCHEMA_VERSION, eventId: change.eventId } as const;
  const at = { timeMs: change.atMs, sequenceNumber: change.sequenceNumber };
  if (change.kind === 'connection') {
    const facts = { ...base, connectionId: change.connectionId, user: change.user, connectedAt: change.connectedAtMs === null ? null : new Date(change.connectedAtMs).toISOString() };
    if (change.operation === 'INSERT') return { detailType: 'connected', detail: facts, ...at };
    if (change.operation === 'REMOVE') return { detailType: 'disconnected', detail: { ...facts, reason: change.expired ? 'expired' : 'closed' }, ...at };
    return null;
  }
  const member = { ...base, topic: change.topic, connectionId: change.connectionId };
  // A rejoin replaces the item (MODIFY): the connection stays a member, so nothing is announced.
  if (change.operation === 'INSERT') return { detailType: 'joined', detail: { ...member, presence: presenceOf(change.after) }, ...at };
  if (change.operation === 'REMOVE') return { detailType: 'left', detail: { ...member, presence: presenceOf(change.before), reason: change.expired ? 'expired' : 'removed' }, ...at };
  return null;
}

/** The topics whose membership a batch changed, each with its first such change (where a retry of its occupancy starts). */
export function topicsWithMembershipChanges(changes: readonly LifecycleChange[]): Map<string, SubscriptionItemChange> {
  const topics = new Map<string, SubscriptionItemChange>();
  for (const change of changes) {
    if (change.kind !== 'subscription' || change.operation === 'MODIFY' || topics.has(change.topic)) continue;
    topics.set(change.topic, change);
  }
  return topics;
}

/** The id of an occupancy transition a batch may make: derived from its first membership change of the topic, so a retried batch derives the same. */
export function transitionIdOf(first: SubscriptionItemChange, detailType: 'occupied' | 'vacated'): string {
  return `${first.eventId}.${detailType}`;
}

export function occupancyEvent(detailType: 'occupied' | 'vacated', first: SubscriptionItemChange, nowMs: number): LifecycleEvent {
  return {
    detailType,
    detail: { version: LIFECYCLE_SCHEMA_VERSION, eventId: transitionIdOf(first, detailType), topic: first.topic },
    timeMs: nowMs,
    sequenceNumber: first.sequenceNumber,
  };
}

function presenceOf(entry: PresenceEntry | null): PresenceOfEvent | null {
  return entry ? { key: entry.key, meta: entry.meta } : null;
}
