/**
 * Topic broadcasts and stale-connection cleanup. A broadcast reads the topic's
 * subscribers with one paginated Query per shard (never a Scan), delivers in parallel,
 * hands big topics to fan-out workers, and reaps every connection that answered 410 —
 * the stale subscriber, never the sender.
 */
import type { LeaveReason } from '../channels/definition.js';
import type { TopicastConfig } from '../config.js';
import { chunk } from '../concurrency.js';
import { diffOf, type PresenceEntry } from '../presence.js';
import { PRESENCE_EVENTS } from '../protocol/constants.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { FanoutDispatcher, Logger, MessageSender, RealtimeStore, Subscriber, SubscriptionRecord } from '../ports.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import { deliverToSubscribers, type DeliveryReport } from './deliver.js';

export interface BroadcastOptions {
  /** A connection that must not receive the message (a push with `self: false`, a joiner). */
  readonly excludeConnectionId?: string | null;
  readonly withSubscriberJoinRef?: boolean;
  /** Subscribers already read by the caller, to save a second Query. */
  readonly subscribers?: readonly Subscriber[];
  /** Report gone connections without reaping them; the caller reaps when its replies are out. */
  readonly deferReap?: boolean;
}

export interface BroadcastReport extends DeliveryReport {
  readonly subscribers: number;
  readonly dispatchedBatches: number;
}

export interface BroadcasterDependencies {
  readonly store: RealtimeStore;
  readonly sender: MessageSender;
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly dispatcher?: FanoutDispatcher | undefined;
  /** Channel modules' `leave`, run for every subscription that ends (leave, disconnect, reaping). */
  readonly onLeave?: ((subscriptions: readonly SubscriptionRecord[], reason: LeaveReason) => Promise<void>) | undefined;
}

// Cleanup broadcasts leave diffs, which may find more stale connections; stop somewhere.
const MAX_REAP_DEPTH = 3;

export class Broadcaster {
  public constructor(private readonly deps: BroadcasterDependencies) {}

  public async broadcast(topic: string, message: OutboundMessage, options: BroadcastOptions = {}): Promise<BroadcastReport> {
    return this.broadcastAt(topic, message, options, 0);
  }

  /** Delivers one batch (a fan-out worker's share) and reaps the connections found gone. */
  public async deliverBatch(subscribers: readonly Subscriber[], message: OutboundMessage, withSubscriberJoinRef: boolean): Promise<DeliveryReport> {
    const report = await deliverToSubscribers(this.deps.sender, this.deps.config.fanout, subscribers, message, { withSubscriberJoinRef });
    await this.reap(report.gone);
    return report;
  }

  /**
   * Removes connections whose sockets are gone and tells their topics they left.
   * `excludeConnectionId` keeps the leave from a connection that never saw the stale one.
   */
  public async reap(connectionIds: readonly string[], depth = 0, excludeConnectionId: string | null = null): Promise<void> {
    if (connectionIds.length === 0) return;
    const { store, config } = this.deps;
    // One batched removal: the deletes of every gone connection share BatchWriteItem calls.
    const removed = await store.removeConnections(connectionIds, (topic) => shardCountFor(topic, config));
    await this.announceLeaves(removed, 'gone', depth + 1, excludeConnectionId);
  }

  /** Runs channel `leave` callbacks and sends `presence_diff` leaves for removed subscriptions, grouped per topic. */
  public async announceLeaves(subscriptions: readonly SubscriptionRecord[], reason: LeaveReason, depth = 0, excludeConnectionId: string | null = null): Promise<void> {
    const leavesByTopic = new Map<string, PresenceEntry[]>();
    for (const { topic, presenceKey, meta } of subscriptions) {
      if (presenceKey === null || meta === null || !presenceEnabledFor(topic, this.deps.config)) continue;
      const leaves = leavesByTopic.get(topic) ?? [];
      leaves.push({ key: presenceKey, meta });
      leavesByTopic.set(topic, leaves);
    }
    await Promise.all([
      this.deps.onLeave?.(subscriptions, reason),
      ...[...leavesByTopic].map(([topic, leaves]) =>
        this.broadcastAt(topic, presenceDiffMessage(topic, diffOf([], leaves)), { withSubscriberJoinRef: true, excludeConnectionId }, depth),
      ),
    ]);
  }

  private async broadcastAt(topic: string, message: OutboundMessage, options: BroadcastOptions, depth: number): Promise<BroadcastReport> {
    const { config, dispatcher, logger } = this.deps;
    const all = options.subscribers ?? (await this.readSubscribers(topic));
    const recipients = options.excludeConnectionId ? all.filter((s) => s.connectionId !== options.excludeConnectionId) : all;
    const withSubscriberJoinRef = options.withSubscriberJoinRef === true;

    if (dispatcher && recipients.length > config.fanout.workerThreshold) {
      const batches = chunk(recipients, config.fanout.workerBatchSize).map((subscribers) => ({
        topic,
        message,
        subscribers,
        withSubscriberJoinRef,
      }));
      await dispatcher.dispatch(batches);
      return { subscribers: recipients.length, delivered: 0, failed: 0, gone: [], dispatchedBatches: batches.length };
    }

    const report = await deliverToSubscribers(this.deps.sender, config.fanout, recipients, message, { withSubscriberJoinRef });
    if (report.failed > 0) logger.warn('some deliveries failed', { topic, failed: report.failed });
    if (report.gone.length > 0 && depth < MAX_REAP_DEPTH && options.deferReap !== true) {
      await this.reap(report.gone, depth);
    }
    return { ...report, subscribers: recipients.length, dispatchedBatches: 0 };
  }

  private async readSubscribers(topic: string): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'fanout')) {
      subscribers.push(...page);
    }
    return subscribers;
  }
}

export function presenceDiffMessage(topic: string, diff: ReturnType<typeof diffOf>): OutboundMessage {
  return { topic, event: PRESENCE_EVENTS.diff, payload: diff, ref: null, joinRef: null };
}
