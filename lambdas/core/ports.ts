/**
 * What the use cases need from the outside world. Adapters (DynamoDB, the Management
 * API, JWT verification) implement these and are injected by the composition root.
 */
import type { HeldMember } from './presence-grace.js';
import type { Identity } from './identity.js';
import type { PresenceMeta } from './presence.js';
import type { OutboundMessage, WireFormat } from './protocol/messages.js';
import type { JsonObject } from './channels/definition.js';
import type { OccupancyCounts } from './presence-cap.js';
import type { Greeting } from './pusher/greeting.js';

export interface ConnectionRecord {
  readonly connectionId: string;
  /** Management API endpoint of the gateway that owns the socket, e.g. https://id.execute-api.region.amazonaws.com/prod. */
  readonly endpoint: string;
  readonly identity: Identity | null;
  readonly format: WireFormat;
  readonly connectedAt: number;
  /** Epoch seconds after which DynamoDB may delete the item. */
  readonly expiresAt: number;
}

/** What a broadcast needs to reach one subscriber. */
export interface Subscriber {
  readonly connectionId: string;
  readonly endpoint: string;
  readonly format: WireFormat;
  readonly joinRef: string | null;
  /** A closed connection whose presence is held for its reconnect (presence-grace.ts): nothing is posted to it. */
  readonly held?: boolean;
}

/** Who a join says it is across reconnects (presence-grace.ts), as stored on its rows. */
export interface MemberClaim {
  /** A hash of the join's `member` secret. */
  readonly tag: string;
  /** The token's `sub`, or '' when anonymous: a member is only resumed by its own user. */
  readonly sub: string;
  /** The join's own meta as JSON text: a rejoin with another meta is a new presence. */
  readonly userMeta: string;
  /** The connection whose held presence this join took over, if it did. */
  readonly resumes?: string;
}

/** A subscriber with the presence it tracks on the topic (null when presence is off). */
export interface SubscriptionRecord extends Subscriber {
  readonly topic: string;
  readonly presenceKey: string | null;
  readonly meta: PresenceMeta | null;
  readonly expiresAt: number;
  /** Kept on the connection side when a channel module handles the topic. */
  readonly channel?: ChannelState | null;
  /** Set when the join named its member and the topic holds presence across reconnects. */
  readonly member?: MemberClaim | null;
}

/** What a channel module's callbacks see of a join after it: its assigns and the user. */
export interface ChannelState {
  readonly assigns: JsonObject;
  readonly user: Identity | null;
}

/** A join as push reads it back: one consistent GetItem of the connection-side item. */
export interface JoinedTopic {
  readonly channel: ChannelState | null;
  /** The presence key the join tracks (null without presence); absent when not read. */
  readonly presenceKey?: string | null;
}

export interface ConnectionState {
  readonly connection: ConnectionRecord | null;
  /** Topics this connection has joined. */
  readonly topics: readonly string[];
}

export type SubscriberProjection = 'fanout' | 'presence';

/** A presence and the topic row that carries it (the connection's row on the topic). */
export interface PresenceRow {
  readonly connectionId: string;
  readonly key: string;
  readonly meta: PresenceMeta;
  /** A named member's tag (presence-grace.ts): its presence may have moved to its rejoin's row. */
  readonly member?: string;
}

/** A topic's occupancy item: the last count, and whether its members were told presence is capped. */
export interface TopicOccupancy extends OccupancyCounts {
  /** Members got an empty presence_state and occupancy counts; the topic's presence is off until it is under the cap again. */
  readonly capped: boolean;
  /** Epoch milliseconds of the count. */
  readonly countedAt: number;
  /** Joins that found the topic over its cap (each got an empty state), counted atomically on the item. */
  readonly cappedJoins: number;
  /** The `cappedJoins` the last reader's decision accounted for; fewer than `cappedJoins`: a joiner still waits for the state. */
  readonly settledCappedJoins: number;
}

/** What a reader writes after a window: its count, its decision, and the capped joins it read before deciding. */
export type OccupancyWrite = Omit<TopicOccupancy, 'cappedJoins'>;

/** What a join or leave learns from counting itself on the connection item. */
export interface ConnectionUsage {
  readonly connection: ConnectionRecord;
  /** Topics the connection holds, each with the version of the join that holds it. */
  readonly topics: Readonly<Record<string, number>>;
  /** Joins and leaves counted in the current rate window, this one included. */
  readonly joinsInWindow: number;
}

/** A join or leave to count in a rate window, refused at `max`. */
export interface RateCount {
  readonly windowStart: number;
  readonly windowSeconds: number;
  readonly max: number;
}

/** A join's reservation of a topic on the connection item (docs/infrastructure.md, Write protocol). */
export type TopicClaim =
  | { readonly status: 'claimed'; readonly version: number }
  | { readonly status: 'limit' }
  /** The connection item is gone: `$disconnect` or reaping has begun. */
  | { readonly status: 'closed' };

export interface SubscriptionWrite {
  /** Both sides were written; false when a newer join of this connection and topic got there first. */
  readonly written: boolean;
  /**
   * The subscription this one replaced on the topic side (an earlier join), if any. Its
   * row is gone: its leave is due whether or not this write won.
   */
  readonly replaced: SubscriptionRecord | null;
}

/** What one `deleteSubscription` removed. */
export interface SubscriptionRemoval {
  /** The removed subscription: the topic row's presence, else the connection row's; channel state from the connection row. */
  readonly subscription: SubscriptionRecord;
  /**
   * Whether this request deleted the connection row, which carries the channel state: the
   * module's `leave` is then the caller's to run (every row is deleted once, so it runs once).
   */
  readonly connectionRow: boolean;
}

/** Whether a join still holds its claim: `overtaken` by a newer join, `released` by a leave, `closed` with the connection. */
export type ClaimStatus = 'held' | 'overtaken' | 'released' | 'closed';

/** Which versions of a subscription a delete may remove. */
export type VersionBound = { readonly olderThan: number } | { readonly exactly: number };

/** A connection to remove; `topic` names the topic partition where a broadcast read it. */
export interface RemovalTarget {
  readonly connectionId: string;
  readonly topic?: string | undefined;
}

export interface RemovalReport {
  /** Subscriptions removed from both sides (their presence leaves are due). */
  readonly removed: readonly SubscriptionRecord[];
  /**
   * The subscriptions whose connection row this removal deleted (with their channel state):
   * their channel modules' `leave` is this removal's to run. A join undoing itself at the
   * same time deletes the row in one request or the other, never both.
   */
  readonly ended: readonly SubscriptionRecord[];
  /** Items DynamoDB would not delete within the retry bound; left for a later 410 and TTL. */
  readonly retained: number;
  /** Topic rows held for their member's reconnect instead of deleted (RemovalHold): the grace timer releases them. */
  readonly held?: readonly HeldMember[];
}

/** A `$disconnect` that holds its members' presence (presence-grace.ts): the grace of each topic, 0 for none. */
export interface RemovalHold {
  readonly graceMsOf: (topic: string) => number;
  readonly nowMs: number;
}

/**
 * The table's write protocol (docs/infrastructure.md, "Write protocol"): the connection item
 * is the lock-free point of order. A join claims its topic there (a version), writes both
 * sides conditioned on that version, then re-reads the claim and undoes itself if it lost;
 * removal deletes the connection item first.
 */
/** DynamoDB's read modes: `strong` sees every write acknowledged before it; `eventual` costs half. */
export type ReadConsistency = 'strong' | 'eventual';

export interface RealtimeStore {
  putConnection(connection: ConnectionRecord): Promise<void>;
  /** The connection and its joined topics (connection-side rows), read consistently in one request. */
  getConnectionState(connectionId: string): Promise<ConnectionState>;
  /**
   * The connection's join of the topic, or null when it has not joined. `eventual` reads
   * at half the price and may miss a join of the last second or still see a recent leave.
   */
  readJoin(connectionId: string, topic: string, consistency?: ReadConsistency): Promise<JoinedTopic | null>;
  /** Counts a join or leave in the connection's rate window; null when the connection is gone. */
  countJoinOrLeave(connectionId: string, windowStart: number, windowSeconds: number): Promise<ConnectionUsage | null>;
  /** Reserves `topic` within `maxTopics`, atomically, and returns the join's version. */
  claimTopic(connectionId: string, topic: string, maxTopics: number): Promise<TopicClaim>;
  /**
   * Gives up `topic` for a leave; returns the leave's version, or null when it was not held.
   * With `rate`, the leave is counted in the same write; a leave is never refused for it.
   */
  releaseTopic(connectionId: string, topic: string, rate?: RateCount): Promise<number | null>;
  /**
   * Gives up the claim of a join that failed, if it still holds `topic` at exactly `version`
   * (a later join or leave owns it otherwise); true when it was released.
   */
  releaseClaim(connectionId: string, topic: string, version: number): Promise<boolean>;
  /**
   * Whether the join of `version` still holds `topic` (a consistent read of the connection
   * item): `overtaken` by a later join, `released` by a leave, or `closed` when the connection item is gone.
   */
  checkClaim(connectionId: string, topic: string, version: number): Promise<ClaimStatus>;
  /** Writes both sides of a subscription (topic side first) unless a newer version is there. */
  putSubscription(subscription: SubscriptionRecord, shards: number, version?: number): Promise<SubscriptionWrite>;
  /** Removes both sides of a subscription within `bound`; returns what was removed, or null. */
  deleteSubscription(connectionId: string, topic: string, shards: number, bound: VersionBound): Promise<SubscriptionRemoval | null>;
  /**
   * Pages of a topic's subscribers; `presence` also reads presence keys and metas. With
   * `limit`, each shard's Query stops after that many items (a bounded read: at most
   * shards × limit items), and so does the whole read.
   */
  listSubscribers(topic: string, shards: number, projection: SubscriberProjection, limit?: number): AsyncIterable<readonly SubscriptionRecord[]>;
  /**
   * The `phx_ref`s among `rows` whose topic rows still carry them (one consistent read per
   * 100 rows): what a late delivery of their joins must be followed by leaves for if not.
   */
  heldPresenceRefs(topic: string, shards: number, rows: readonly PresenceRow[]): Promise<Set<string>>;
  /** The topic's occupancy as the presence stream's reader last counted it (a consistent read); null before any count. */
  readOccupancy(topic: string): Promise<TopicOccupancy | null>;
  /**
   * Records a count and decision unless a newer count is there ('stale': readers of two
   * stream shards may count one topic) or a capped join was counted since the reader read
   * `settledCappedJoins` ('stamped': the reader decides again).
   */
  writeOccupancy(topic: string, occupancy: OccupancyWrite, expiresAt: number): Promise<'written' | 'stale' | 'stamped'>;
  /**
   * Counts a join that found the topic over its cap, after its empty state was posted (so
   * that a reader that sees the count sends its state after that one); returns the last
   * count, or null when no reader counted it yet.
   */
  markCappedJoin(topic: string, expiresAt: number): Promise<TopicOccupancy | null>;
  /**
   * Deletes connections with every item they own: the connection item first, then the topic
   * rows (those found in the connection's partition, those the connection item still claimed,
   * plus the one a broadcast read), then the connection rows whose topic rows are gone.
   * Shares write batches between connections. The connection rows of topics `oneByOne`
   * names (those with a channel module's `leave`) go one DeleteItem each, so that exactly
   * one remover runs their `leave` (RemovalReport.ended); the rest go in batches.
   */
  removeConnections(targets: readonly RemovalTarget[], shardsOf: (topic: string) => number, oneByOne?: (topic: string) => boolean, hold?: RemovalHold): Promise<RemovalReport>;
  /** The connection a member's last join of `topic` was made on, and its shard (a consistent read); null when none. */
  findMember(topic: string, tag: string): Promise<{ readonly connectionId: string; readonly shard: number } | null>;
  /**
   * Takes over the member's row on `connectionId` (held or still live) for the join of
   * `by`, if it is the same member, user and meta and nobody took it over yet; returns the
   * presence it carried, or null.
   */
  resumeMember(topic: string, shard: number, connectionId: string, claim: MemberClaim, by: string): Promise<{ readonly presenceKey: string; readonly meta: PresenceMeta } | null>;
  /** The presence of this connection's own row on `topic`, if it is the same member, user and meta; null otherwise. */
  ownPresence(topic: string, shard: number, connectionId: string, claim: MemberClaim): Promise<{ readonly presenceKey: string; readonly meta: PresenceMeta } | null>;
  /**
   * Gives back the takeover of the member's row on `connectionId` made by the join of `by`,
   * which failed before writing its own row: 'gone' when the row was deleted meanwhile
   * (without a leave, being taken over), so the caller owes the leave.
   */
  releaseResume(topic: string, shard: number, connectionId: string, by: string): Promise<'released' | 'gone'>;
  /** Records that the member's latest join of `topic` is on `connectionId`. */
  recordMember(topic: string, tag: string, connectionId: string, shard: number, expiresAt: number): Promise<void>;
  /** Deletes a held row (its grace is over) and its member record if still its own; the stream announces the leave unless it was taken over. */
  releaseHeld(held: HeldMember): Promise<void>;
  /** Adds `count` pushes to the connection's counter of a rate window; returns the total so far. */
  countPushes(connectionId: string, windowStart: number, count: number, expiresAt: number): Promise<number>;
}

/**
 * The index of channels that may be occupied (Pusher's `GET /channels`): one item per topic,
 * touched by every join after its subscription rows are written, and removed only by a
 * lister that found the topic vacant and the item untouched since it read it. A listing
 * checks each entry against the subscription rows, so it never names a vacant channel, and
 * a channel whose join has returned is never missing (core/use-cases/list-channels.ts).
 */
export interface ChannelIndex {
  /** Records that `topic` has a subscriber (after its rows are written); `expiresAt` is at least theirs. */
  touch(topic: string, expiresAt: number): Promise<void>;
  /** Every entry whose topic starts with `prefix`, with the version it was read at. */
  list(prefix: string): Promise<ChannelIndexEntry[]>;
  /** Removes the entry if nothing touched it since it was read at `version`; true when it went. */
  drop(entry: ChannelIndexEntry): Promise<boolean>;
  /** Whether the topic has a subscription row (one item read per shard at most). */
  isOccupied(topic: string, shards: number): Promise<boolean>;
}

/** The connection (and its row's shard and presence ref) whose join announces a Pusher presence user. */
export interface MemberAnnouncer {
  readonly connectionId: string;
  readonly shard: number;
  readonly ref: string;
}

/**
 * Exactly one `member_added` per Pusher presence user (Pusher on only): the join that would
 * announce a user claims the announcement with a conditional write; it announces only when
 * the claim is its own, or the connection that held it has no row on the topic any more.
 */
export interface MemberClaims {
  /** Whether `claimant` announces `userId`; `live` are the connections the announcer read on the topic. */
  claim(topic: string, userId: string, claimant: MemberAnnouncer, live: ReadonlySet<string>, expiresAt: number): Promise<boolean>;
}

export interface ChannelIndexEntry {
  readonly topic: string;
  readonly version: number;
}

/**
 * - `delivered`: 2xx.
 * - `gone`: 410, the connection no longer exists.
 * - `failed`: refused for good, or failed after the request may have reached API Gateway
 *   (a timeout, a reset after the write): never sent again, as delivery is at most once.
 * - `unsent`: provably never delivered and not retried before the deadline (no attempt
 *   could finish in time, or the last answer said it was not delivered): safe to hand on.
 */
export type DeliveryOutcome = 'delivered' | 'gone' | 'failed' | 'unsent';

export interface Delivery {
  readonly endpoint: string;
  readonly connectionId: string;
  readonly data: string;
  /** Epoch milliseconds by which every attempt must be over; none starts that could not finish. */
  readonly deadlineMs?: number;
}

export interface DeliveryResult {
  readonly outcome: DeliveryOutcome;
  /** HTTP status of the last answer; null when none came (timeout, network error, no attempt). */
  readonly status: number | null;
  /** Attempts made after the first (429, transient 5xx, a socket that never connected). */
  readonly retries: number;
  /** Why it failed or went unsent, for logs: `http 502`, `timeout: …`, `deadline`. */
  readonly reason?: string;
}

export interface MessageSender {
  /** Posts one message, retrying only what cannot have been delivered. Never throws. */
  send(delivery: Delivery): Promise<DeliveryResult>;
}

/** Hands batches of a large fan-out to workers that run in parallel. */
export interface FanoutDispatcher {
  /** Hands every batch over independently; one failed hand-over does not stop the others. */
  dispatch(batches: readonly FanoutBatch[], options?: DispatchOptions): Promise<DispatchResult>;
}

export interface DispatchOptions {
  /**
   * Run the workers and wait for them (a synchronous invoke) instead of queueing them: the
   * caller goes on only once every batch was posted, and learns of a worker that could not
   * run (`failed`) instead of the batch expiring unseen in Lambda's queue. For the presence
   * stream's reader, whose windows must reach members in order and may be retried.
   */
  readonly wait?: boolean;
}

export interface DispatchResult {
  /** Batches the workers accepted. */
  readonly dispatched: number;
  /** Batches that could not be handed over, with why (their subscribers miss the message). */
  readonly failed: readonly { readonly batch: FanoutBatch; readonly error: string }[];
}

/** The fan-out worker's other job: a new connection's first frames (core/pusher/greeting.ts). */
export interface GreetingEvent {
  readonly greeting: Greeting;
}

/** What the fan-out worker is invoked with. */
export type WorkerEvent = FanoutBatch | GreetingEvent;

export interface FanoutBatch {
  readonly topic: string;
  readonly message: OutboundMessage;
  readonly subscribers: readonly Subscriber[];
  /** Presence events carry each subscription's join_ref. */
  readonly withSubscriberJoinRef: boolean;
  /**
   * The presences the message adds (a diff's joins, a state's entries), with their rows: a
   * batch may run after a later leave of one of them was delivered, so the worker reads
   * them again after its posts and sends the leaves of those gone (docs/phoenix.md).
   */
  readonly presenceRows?: readonly PresenceRow[];
}

/** Verifies a bearer token; throws ConnectRefusedError when it must be refused. */
export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

export interface Clock {
  nowMs(): number;
}

/** Calls back after a delay, at least once (an SQS queue with DelaySeconds on AWS; emulated locally). */
export interface GraceTimer {
  schedule(held: readonly HeldMember[], delayMs: number): Promise<void>;
}

export interface IdGenerator {
  /** A unique ref for a presence meta; refs of later joins sort after earlier ones (string order), as Pusher member counting needs. */
  phxRef(): string;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Adds correlation fields to every later entry of this invocation (Powertools' `appendKeys`). */
  appendKeys?(fields: Record<string, string>): void;
}

/** A topic's sequence counter: `current` is the last seq handed out, `first` the first of its epoch. */
export interface HistoryCounter {
  readonly current: number;
  readonly first: number;
}

/** One retained broadcast. */
export interface HistoryEntry {
  readonly seq: number;
  readonly event: string;
  readonly payload: unknown;
}

/**
 * One item of a topic's history as read back: a retained broadcast, or (`message` null) the
 * mark left by a broadcast that was discarded after it took its seq. `expiresAt` is its TTL
 * (epoch seconds).
 */
export interface HistoryRecord {
  readonly seq: number;
  readonly expiresAt: number;
  readonly message: { readonly event: string; readonly payload: unknown } | null;
}

/** A topic's retained broadcasts and its sequence counter (docs/protocol.md, "History and replay"). */
export interface HistoryStore {
  /** Takes the topic's next seq (atomically), then keeps the message for `ttlSeconds`; returns the seq. */
  append(topic: string, message: { readonly event: string; readonly payload: unknown }, ttlSeconds: number): Promise<number>;
  /** Replaces the message kept under `seq` with a mark that it was never broadcast (replays skip it). */
  discard(topic: string, seq: number, ttlSeconds: number): Promise<void>;
  /** The counter, read consistently; null when the topic has no history (or it expired). */
  counter(topic: string): Promise<HistoryCounter | null>;
  /** Unexpired items with `after < seq <= upTo`, ascending, in pages; at most `limit` in all. */
  read(topic: string, range: { readonly after: number; readonly upTo: number; readonly limit: number }): AsyncIterable<readonly HistoryRecord[]>;
}
