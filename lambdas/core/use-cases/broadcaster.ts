/**
 * Topic broadcasts and stale-connection cleanup. A broadcast reads the topic's
 * subscribers with one paginated Query per shard (never a Scan), delivers in parallel,
 * hands big topics to fan-out workers, and reaps every connection that answered 410 —
 * the stale subscriber, never the sender.
 *
 * Every frame fits API Gateway's 128 KB: a presence diff is split, any other message over
 * the limit is refused with `payload_too_large` before anything is sent. Inline delivery
 * stops short of the invocation's deadline and hands the rest to workers. Once something
 * was delivered or handed over, the broadcast stands: later failures (a worker invoke,
 * reaping) are logged and counted in the report, never thrown, as a client retrying an
 * accepted broadcast would duplicate it.
 */
import type { LeaveReason } from '../channels/definition.js';
import type { TopicastConfig } from '../config.js';
import { chunk, delay } from '../concurrency.js';
import { ProtocolError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { diffOf, type PresenceDiff, type PresenceEntry } from '../presence.js';
import { entriesOf, largestEncoding, presenceDiffFrames } from '../presence-frames.js';
import { API_GATEWAY_LIMITS } from '../api-gateway-limits.js';
import { encodeMessage } from '../protocol/codec.js';
import { PRESENCE_EVENTS, REASONS } from '../protocol/constants.js';
import type { OutboundMessage } from '../protocol/messages.js';
import { utf8ByteLength } from '../protocol/safe-json.js';
import type { Clock, DispatchResult, FanoutDispatcher, Logger, MemberClaims, MessageSender, PresenceRow, RealtimeStore, RemovalHold, RemovalReport, RemovalTarget, Subscriber, SubscriptionRecord } from '../ports.js';
import { presenceEnabledFor, shardCountFor, topicPatternOf } from '../topic-settings.js';
import { splitExpired } from '../expired-members.js';
import { shardOf } from '../topics.js';
import { announcerOf, isPusherPresenceChannel, memberChanges, type MemberChanges } from '../pusher/member-changes.js';
import { deliverToSubscribers, type DeliveryReport } from './deliver.js';
import { PresencePublisher } from './presence-publisher.js';

export { presenceDiffMessage } from './presence-publisher.js';

export interface BroadcastOptions {
  /** A connection that must not receive the message (a push with `self: false`, a joiner). */
  readonly excludeConnectionId?: string | null;
  readonly withSubscriberJoinRef?: boolean;
  /** Subscribers already read by the caller, to save a second Query. */
  readonly subscribers?: readonly Subscriber[];
  /** Report gone connections without reaping them; the caller reaps when its replies are out. */
  readonly deferReap?: boolean;
  /**
   * Epoch milliseconds at which the invocation ends (Lambda's remaining time). Inline posts
   * stop `fanout.deadlineMarginMs` before it; the rest go to fan-out workers.
   */
  readonly deadlineMs?: number;
  /**
   * The presences a presence message adds, with their rows. Only batches handed to workers
   * carry them: a worker's posts may land after a later leave of one of them, so it checks
   * them again once its posts are done (`deliverBatch`).
   */
  readonly presenceRows?: readonly PresenceRow[];
  /**
   * Workers run while the caller waits (synchronous invokes), and a batch that could not be
   * delivered throws once everything else went out: the presence stream's reader, whose
   * windows must reach members in order and are retried by the stream (presence frames are
   * idempotent for a client), never leaves a frame in Lambda's async queue to expire.
   */
  readonly awaitWorkers?: boolean;
}

/** What one broadcast did; every count is also what metrics report. */
export interface BroadcastReport {
  /** Recipients (subscribers minus the excluded one). */
  readonly subscribers: number;
  /** Frames the message became (a big presence diff is split). */
  readonly frames: number;
  readonly delivered: number;
  /** Posts refused or lost after they were written; logged with connection, topic and status. */
  readonly failed: number;
  /** Attempts made after the first (429, transient 5xx, refused connections). */
  readonly retried: number;
  readonly gone: readonly string[];
  readonly dispatchedBatches: number;
  /** Deliveries handed to fan-out workers (which count their own outcomes). */
  readonly dispatched: number;
  /** Deliveries neither made nor handed over (a refused worker invoke, a deadline without workers); logged. */
  readonly dropped: number;
  /** Gone connections whose cleanup failed; logged (the next 410 or the TTL removes them). */
  readonly reapFailed: number;
}

/** A fan-out worker's batch: its deliveries and what was dropped or not cleaned up. */
export interface BatchReport extends DeliveryReport {
  readonly dropped: number;
  readonly reapFailed: number;
}

export interface BroadcasterDependencies {
  readonly store: RealtimeStore;
  readonly sender: MessageSender;
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly dispatcher?: FanoutDispatcher | undefined;
  /** Channel modules' `leave`, run for every subscription that ends (leave, disconnect, reaping). */
  readonly onLeave?: ((subscriptions: readonly SubscriptionRecord[], reason: LeaveReason) => Promise<void>) | undefined;
  /** Whether a topic's module has a `leave`: removal then deletes its connection rows one by one (exactly one `leave`). */
  readonly hasLeave?: ((topic: string) => boolean) | undefined;
  readonly clock?: Clock | undefined;
  /** Where every report's counts go (docs/operations.md). */
  readonly metrics: Metrics;
  /** Topic patterns of the channel modules, for the metrics' TopicPattern dimension. */
  readonly topicPatterns?: readonly string[];
  /** Pusher on: `member_added` goes out once per user, by a conditional claim (ports.ts `MemberClaims`). */
  readonly memberClaims?: MemberClaims | undefined;
}

// Cleanup broadcasts leave diffs, which may find more stale connections, and so on. Each
// round only announces connections it removed, and a removed connection is no longer read
// as a subscriber, so the chain ends by itself within as many rounds as there are gone
// connections; this bound only guards against a fault, and is logged when reached.
const MAX_REAP_DEPTH = 32;
// A leave announcement is retried 4 times in all, about 0.1 + 0.2 + 0.4 s of backoff at most.
const LEAVE_ANNOUNCE_ATTEMPTS = 4;
const LEAVE_RETRY_BASE_MS = 50;

export class Broadcaster {
  /** Presence changes made by functions: sent now, or left to the table stream's reader (coalesced). */
  public readonly presence: PresencePublisher;

  public constructor(private readonly deps: BroadcasterDependencies) {
    this.presence = new PresencePublisher(deps.config, (topic, message, { depth = 0, ...options }) =>
      this.broadcastAt(topic, message, { ...options, withSubscriberJoinRef: true }, depth),
    );
  }

  /** Throws ProtocolError(payload_too_large) before sending anything when the message cannot fit one frame. */
  public async broadcast(topic: string, message: OutboundMessage, options: BroadcastOptions = {}): Promise<BroadcastReport> {
    return this.broadcastAt(topic, message, options, 0);
  }

  /**
   * Delivers one batch (a fan-out worker's share) and reaps the connections found gone.
   * `deadlineMs`: when the worker's invocation ends.
   */
  public async deliverBatch(
    subscribers: readonly Subscriber[],
    message: OutboundMessage,
    withSubscriberJoinRef: boolean,
    deadlineMs?: number,
    presenceRows: readonly PresenceRow[] = [],
  ): Promise<BatchReport> {
    const deliveryDeadline = deadlineMs === undefined ? undefined : deadlineMs - this.deps.config.fanout.deadlineMarginMs;
    const started = this.now();
    const report = await deliverToSubscribers(this.deps.sender, this.deps.config.fanout, subscribers, message, this.deliverOptions(withSubscriberJoinRef, deliveryDeadline));
    // A worker hands nothing further on: what its deadline left undelivered is lost.
    const dropped = this.dropUnsent(message, report.unsent.length, 'the fan-out worker reached its deadline');
    this.record(message.topic, [message], { ...report, dropped, dispatchedBatches: 0 }, this.now() - started);
    if (presenceRows.length > 0 && message.topic !== null) {
      const skipped = new Set([...report.gone, ...report.unsent.map((s) => s.connectionId)]);
      await this.leaveWhatWentMeanwhile(message.topic, presenceRows, subscribers.filter((s) => !skipped.has(s.connectionId)), withSubscriberJoinRef, deliveryDeadline);
    }
    const reapFailed = await this.reapAfterDelivery(report.gone, 0, null, message.topic ?? undefined);
    return { ...report, dropped, reapFailed };
  }

  /**
   * After a worker's presence posts: the leaves of the presences it added that are gone by
   * now. Async invokes run in any order, so a leave sent by a later invocation may have
   * reached these members before this batch's join; a leave is sent only once its row is
   * gone, so this consistent read sees every such row gone, and its leave arrives after the
   * join. A leave a member already applied changes nothing (syncDiff ignores unknown refs).
   */
  private async leaveWhatWentMeanwhile(topic: string, rows: readonly PresenceRow[], reached: readonly Subscriber[], withSubscriberJoinRef: boolean, deadlineMs: number | undefined): Promise<void> {
    if (reached.length === 0) return;
    try {
      const held = await this.deps.store.heldPresenceRefs(topic, shardCountFor(topic, this.deps.config), rows);
      const gone = rows.filter((row) => !held.has(row.meta.phx_ref));
      if (gone.length === 0) return;
      for (const frame of presenceDiffFrames(topic, diffOf([], gone))) {
        const report = await deliverToSubscribers(this.deps.sender, this.deps.config.fanout, reached, frame, this.deliverOptions(withSubscriberJoinRef, deadlineMs));
        this.record(topic, [frame], { ...report, dropped: report.unsent.length, dispatchedBatches: 0 }, 0);
      }
    } catch (error) {
      this.deps.logger.error('presence joins of a fan-out batch not checked again; a member may show a leaver', { topic, keys: rows.map((row) => row.key).slice(0, 20), error: describe(error) });
    }
  }

  /**
   * Reaps after a delivery went out: a failure is logged and counted, never thrown (the
   * message was delivered; a retry would duplicate it). Returns how many were not reaped.
   */
  public async reapAfterDelivery(connectionIds: readonly string[], depth = 0, excludeConnectionId: string | null = null, topic?: string): Promise<number> {
    try {
      await this.reap(connectionIds, depth, excludeConnectionId, topic);
      return 0;
    } catch (error) {
      this.deps.logger.error('reaping gone connections failed', { topic: topic ?? null, connections: connectionIds.length, connectionIds: connectionIds.slice(0, 20), error: describe(error) });
      return connectionIds.length;
    }
  }

  /**
   * Removes connections whose sockets are gone and tells their topics they left.
   * `excludeConnectionId` keeps the leave from a connection that never saw the stale one.
   * `topic` is where the ids were read: that topic row goes too, even when no connection
   * row leads to it. Whatever DynamoDB would not delete is logged and left to the next 410
   * or the TTL; a removal that fails outright throws (see `reapAfterDelivery`).
   */
  public async reap(connectionIds: readonly string[], depth = 0, excludeConnectionId: string | null = null, topic?: string): Promise<void> {
    if (connectionIds.length === 0) return;
    this.deps.metrics.record('connectionsReaped', connectionIds.length);
    const { logger } = this.deps;
    // One batched removal: the deletes of every gone connection share BatchWriteItem calls.
    const report: RemovalReport = await this.removeConnections(connectionIds.map((connectionId) => ({ connectionId, topic })));
    if (report.retained > 0) logger.warn('reaping left items behind', { topic: topic ?? null, retained: report.retained });
    await this.announceLeaves(report, 'gone', depth + 1, excludeConnectionId);
  }

  /** Removes connections and everything they own (the write protocol's removal); announces nothing. */
  public removeConnections(targets: readonly RemovalTarget[], hold?: RemovalHold): Promise<RemovalReport> {
    const { store, config, hasLeave } = this.deps;
    return store.removeConnections(targets, (t) => shardCountFor(t, config), hasLeave, hold);
  }

  /**
   * Announces the presence leaves of `removed` and runs the channel modules' `leave` for
   * `ended`: the subscriptions whose connection row (with their channel state) the caller
   * deleted itself, so each ended join gets one `leave` whoever races to remove it.
   */
  public async announceLeaves(
    { removed, ended }: { readonly removed: readonly SubscriptionRecord[]; readonly ended: readonly SubscriptionRecord[] },
    reason: LeaveReason,
    depth = 0,
    excludeConnectionId: string | null = null,
  ): Promise<void> {
    await Promise.all([this.runLeaveHooks(ended, reason), this.announcePresenceLeaves(removed, depth, excludeConnectionId)]);
  }

  /** Runs the channel modules' `leave` for subscriptions that ended (callbacks never throw). */
  public async runLeaveHooks(ended: readonly SubscriptionRecord[], reason: LeaveReason): Promise<void> {
    if (ended.length > 0) await this.deps.onLeave?.(ended, reason);
  }

  /**
   * Sends `presence_diff` leaves for removed subscriptions, grouped per topic. The rows are
   * already gone, so nothing else would ever announce these leaves: a topic whose
   * announcement fails (reading its subscribers, handing batches to workers) is retried
   * with backoff; if it still fails it is logged as an error with its presence keys, and
   * members show the leaver until they next join (presence_state). Never throws.
   */
  public async announcePresenceLeaves(subscriptions: readonly SubscriptionRecord[], depth = 0, excludeConnectionId: string | null = null): Promise<void> {
    const leavesByTopic = new Map<string, PresenceEntry[]>();
    for (const { topic, presenceKey, meta } of subscriptions) {
      if (presenceKey === null || meta === null || !presenceEnabledFor(topic, this.deps.config)) continue;
      const leaves = leavesByTopic.get(topic) ?? [];
      leaves.push({ key: presenceKey, meta });
      leavesByTopic.set(topic, leaves);
    }
    await Promise.all([...leavesByTopic].map(([topic, leaves]) => this.announceTopicLeaves(topic, leaves, depth, excludeConnectionId)));
  }

  private async announceTopicLeaves(topic: string, leaves: PresenceEntry[], depth: number, excludeConnectionId: string | null): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Sent now, or nothing to send: a coalesced topic's leaves are on the table's stream.
        if (this.presence.coalesces(topic)) return;
        // A Pusher presence channel removes a user only with its last connection: the
        // members read for the delivery say which users are gone.
        const members = isPusherPresenceChannel(topic) ? await this.readMembers(topic) : null;
        await this.presence.left(topic, leaves, { excludeConnectionId, depth, ...(members ? { subscribers: members, members: memberChanges(diffOf([], leaves), members) } : {}) });
        return;
      } catch (error) {
        if (attempt >= LEAVE_ANNOUNCE_ATTEMPTS) {
          this.deps.logger.error('presence leaves not announced', { topic, keys: leaves.map((leave) => leave.key), attempts: attempt, error: String(error) });
          return;
        }
        await delay(Math.random() * LEAVE_RETRY_BASE_MS * 2 ** attempt);
      }
    }
  }

  private async broadcastAt(topic: string, message: OutboundMessage, options: BroadcastOptions, depth: number): Promise<BroadcastReport> {
    const frames = framesOf(topic, message);
    const all = options.subscribers ?? (await this.readSubscribers(topic));
    // A held row's connection is closed (presence-grace.ts): a post would answer 410 and reap its presence early.
    const recipients = all.filter((s) => s.held !== true && s.connectionId !== options.excludeConnectionId);
    const withSubscriberJoinRef = options.withSubscriberJoinRef === true;
    const deliveryDeadline = options.deadlineMs === undefined ? undefined : options.deadlineMs - this.deps.config.fanout.deadlineMarginMs;

    const started = this.now();
    let report: BroadcastReport = { ...EMPTY_REPORT, subscribers: recipients.length, frames: frames.length };
    // Frames of one split diff commute (each carries other presences), so workers may deliver them in any order.
    let remaining = recipients;
    for (const frame of frames) {
      const part = await this.fanOut(topic, frame, remaining, withSubscriberJoinRef, deliveryDeadline, report, rowsAddedBy(frame, options.presenceRows), options.awaitWorkers === true);
      report = sum(report, part);
      const gone = new Set(part.gone);
      if (gone.size > 0) remaining = remaining.filter((s) => !gone.has(s.connectionId));
    }
    this.record(topic, frames, report, this.now() - started);
    if (options.awaitWorkers === true && report.dropped > 0) throw new Error(`${report.dropped} deliveries of ${message.event} to ${topic} not made; the caller retries`);
    if (report.gone.length > 0 && options.deferReap !== true) {
      if (depth < MAX_REAP_DEPTH) report = { ...report, reapFailed: await this.reapAfterDelivery(report.gone, depth, null, topic) };
      else this.deps.logger.error('gone connections not reaped: reaping went too deep; the next 410 or the TTL removes them', { topic, depth, connectionIds: report.gone.slice(0, 20) });
    }
    return report;
  }

  /**
   * A broadcast's (or worker batch's) counts in the metrics, per topic pattern: the report
   * callers need not read for it. Workers count the deliveries handed to them themselves.
   */
  private record(topic: string | null, frames: readonly OutboundMessage[], report: Omit<DeliveryReport, 'unsent'> & { dropped: number; dispatchedBatches: number }, durationMs: number): void {
    const { metrics, config } = this.deps;
    const dimensions = { topicPattern: topicPatternOf(topic, config, this.deps.topicPatterns) };
    metrics.record('deliveries', report.delivered, dimensions);
    metrics.record('failedDeliveries', report.failed, dimensions);
    metrics.record('droppedDeliveries', report.dropped, dimensions);
    metrics.record('goneConnections', report.gone.length, dimensions);
    metrics.record('retriedPosts', report.retried, dimensions);
    metrics.record('workerBatches', report.dispatchedBatches, dimensions);
    if (report.delivered + report.failed + report.gone.length === 0) return;
    metrics.record('fanoutDuration', durationMs, dimensions);
    for (const frame of frames) {
      if (frame.event === PRESENCE_EVENTS.diff) metrics.record('presenceFrameBytes', utf8ByteLength(encodeMessage(frame, 'native')), dimensions);
    }
  }

  private now(): number {
    return this.deps.clock ? this.deps.clock.nowMs() : Date.now();
  }

  /** One frame to every recipient: inline, or by workers for big topics and for what the deadline left. */
  private async fanOut(
    topic: string,
    message: OutboundMessage,
    recipients: readonly Subscriber[],
    withSubscriberJoinRef: boolean,
    deadlineMs: number | undefined,
    sofar: BroadcastReport,
    presenceRows: readonly PresenceRow[],
    wait: boolean,
  ): Promise<Partial<BroadcastReport>> {
    const { config, dispatcher } = this.deps;
    if (dispatcher && recipients.length > config.fanout.workerThreshold) {
      const handed = await this.handOver(topic, message, recipients, withSubscriberJoinRef, presenceRows, wait);
      // Nothing reached anyone yet: a retry cannot duplicate, so let the client retry.
      if (handed.dispatched === 0 && sofar.delivered === 0 && sofar.dispatched === 0) throw new Error(`no fan-out batch of ${topic} could be handed to a worker`);
      return handed;
    }
    const { unsent, ...delivery } = await deliverToSubscribers(this.deps.sender, config.fanout, recipients, message, this.deliverOptions(withSubscriberJoinRef, deadlineMs));
    if (unsent.length === 0) return delivery;
    if (!dispatcher) return { ...delivery, dropped: this.dropUnsent(message, unsent.length, 'the invocation reached its deadline and no fan-out worker is configured') };
    this.deps.logger.info('deadline near: handing the rest of the fan-out to workers', { topic, delivered: delivery.delivered, remaining: unsent.length });
    return sum(delivery, await this.handOver(topic, message, unsent, withSubscriberJoinRef, presenceRows, wait));
  }

  private async handOver(
    topic: string,
    message: OutboundMessage,
    subscribers: readonly Subscriber[],
    withSubscriberJoinRef: boolean,
    presenceRows: readonly PresenceRow[],
    wait: boolean,
  ): Promise<Partial<BroadcastReport>> {
    const rows = presenceRows.length > 0 ? { presenceRows } : {};
    const batches = chunk(subscribers, this.deps.config.fanout.workerBatchSize).map((batch) => ({ topic, message, subscribers: batch, withSubscriberJoinRef, ...rows }));
    let failed: DispatchResult['failed'];
    try {
      ({ failed } = await (this.deps.dispatcher as FanoutDispatcher).dispatch(batches, wait ? { wait } : undefined));
    } catch (error) {
      failed = batches.map((batch) => ({ batch, error: describe(error) }));
    }
    let dropped = 0;
    for (const { batch, error } of failed) {
      dropped += batch.subscribers.length;
      this.deps.logger.error('fan-out batch could not be handed to a worker', { topic, event: message.event, subscribers: batch.subscribers.length, error });
    }
    return { dispatchedBatches: batches.length - failed.length, dispatched: subscribers.length - dropped, dropped };
  }

  private dropUnsent(message: OutboundMessage, count: number, why: string): number {
    if (count > 0) this.deps.logger.error('deliveries dropped', { topic: message.topic, event: message.event, count, why });
    return count;
  }

  private deliverOptions(withSubscriberJoinRef: boolean, deadlineMs: number | undefined) {
    const { clock, logger } = this.deps;
    return { withSubscriberJoinRef, logger, ...(deadlineMs === undefined ? {} : { deadlineMs }), ...(clock ? { now: () => clock.nowMs() } : {}) };
  }

  /** The topic's live members with their presence, for a Pusher presence channel's member counts. */
  /**
   * The users a diff adds and removes on a Pusher presence channel, from the members read
   * after it (member-changes.ts); with claims kept, an added user is announced only by the
   * join that wins its claim, so two first connections at the same instant announce it once.
   */
  public async memberChangesOf(topic: string, diff: PresenceDiff, live: readonly SubscriptionRecord[]): Promise<MemberChanges> {
    const changes = memberChanges(diff, live);
    const claims = this.deps.memberClaims;
    if (!claims || changes.added.length === 0) return changes;
    const liveIds = new Set(live.map(({ connectionId }) => connectionId));
    const shards = shardCountFor(topic, this.deps.config);
    const expiresAt = Math.floor(this.now() / 1000) + this.deps.config.connectionTtlSeconds;
    const added: string[] = [];
    for (const userId of changes.added) {
      const announcer = announcerOf(userId, diff, live);
      if (announcer === null || (await claims.claim(topic, userId, { ...announcer, shard: shardOf(announcer.connectionId, shards) }, liveIds, expiresAt))) added.push(userId);
    }
    return { added, removed: changes.removed };
  }

  public async readMembers(topic: string): Promise<SubscriptionRecord[]> {
    const read: SubscriptionRecord[] = [];
    for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'presence')) read.push(...page);
    return splitExpired(read, this.now()).live;
  }

  private async readSubscribers(topic: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'fanout')) {
      subscribers.push(...page);
    }
    return subscribers;
  }
}

const EMPTY_REPORT: BroadcastReport = { subscribers: 0, frames: 0, delivered: 0, failed: 0, retried: 0, gone: [], dispatchedBatches: 0, dispatched: 0, dropped: 0, reapFailed: 0 };

function sum<T extends Partial<BroadcastReport>>(a: T, b: Partial<BroadcastReport>): T {
  const counts = ['delivered', 'failed', 'retried', 'dispatchedBatches', 'dispatched', 'dropped', 'reapFailed'] as const;
  const total: Record<string, unknown> = { ...a };
  for (const name of counts) if (a[name] !== undefined || b[name] !== undefined) total[name] = (a[name] ?? 0) + (b[name] ?? 0);
  if (a.gone !== undefined || b.gone !== undefined) total.gone = [...(a.gone ?? []), ...(b.gone ?? [])];
  return total as T;
}

/** The rows of the presences one frame adds (a diff's joins, a state's entries). */
function rowsAddedBy(frame: OutboundMessage, rows: readonly PresenceRow[] | undefined): readonly PresenceRow[] {
  if (!rows || rows.length === 0) return [];
  const added = frame.event === PRESENCE_EVENTS.diff ? (frame.payload as PresenceDiff).joins : frame.event === PRESENCE_EVENTS.state ? (frame.payload as PresenceDiff['joins']) : null;
  if (added === null) return [];
  const refs = new Set(entriesOf(added).map(({ meta }) => meta.phx_ref));
  return rows.filter((row) => refs.has(row.meta.phx_ref));
}

/** The frames a broadcast sends: a presence diff split to fit, anything else whole or refused. */
function framesOf(topic: string, message: OutboundMessage): OutboundMessage[] {
  if (message.event === PRESENCE_EVENTS.diff) return withMembers(presenceDiffFrames(topic, message.payload as PresenceDiff), message.members);
  assertFitsOneMessage(message);
  return [message];
}

/** Refuses a broadcast whose frame (in either wire format) API Gateway would not deliver. */
export function assertFitsOneMessage(message: OutboundMessage): void {
  const bytes = largestEncoding(message);
  if (bytes > API_GATEWAY_LIMITS.messageBytes) {
    throw new ProtocolError(REASONS.payloadTooLarge, `the broadcast frame would be ${bytes} bytes; API Gateway delivers at most ${API_GATEWAY_LIMITS.messageBytes}`);
  }
}

/** Each frame of a split diff carries the member changes of the keys it holds. */
function withMembers(frames: OutboundMessage[], members: OutboundMessage['members']): OutboundMessage[] {
  if (!members) return frames;
  return frames.map((frame) => {
    const { joins, leaves } = frame.payload as PresenceDiff;
    return { ...frame, members: { added: members.added.filter((key) => Object.hasOwn(joins, key)), removed: members.removed.filter((key) => Object.hasOwn(leaves, key)) } };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
