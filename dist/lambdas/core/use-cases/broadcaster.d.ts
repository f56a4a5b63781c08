/**
 * Topic broadcasts and stale-connection cleanup. A broadcast reads the topic's
 * subscribers with one paginated Query per shard (never a Scan), delivers in parallel,
 * hands big topics to fan-out workers, and reaps every connection that answered 410 —
 * the stale subscriber, never the sender.
 */
import type { TopicastConfig } from '../config.js';
import { diffOf } from '../presence.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { FanoutDispatcher, Logger, MessageSender, RealtimeStore, Subscriber, SubscriptionRecord } from '../ports.js';
import { type DeliveryReport } from './deliver.js';
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
}
export declare class Broadcaster {
    private readonly deps;
    constructor(deps: BroadcasterDependencies);
    broadcast(topic: string, message: OutboundMessage, options?: BroadcastOptions): Promise<BroadcastReport>;
    /** Delivers one batch (a fan-out worker's share) and reaps the connections found gone. */
    deliverBatch(subscribers: readonly Subscriber[], message: OutboundMessage, withSubscriberJoinRef: boolean): Promise<DeliveryReport>;
    /**
     * Removes connections whose sockets are gone and tells their topics they left.
     * `excludeConnectionId` keeps the leave from a connection that never saw the stale one.
     */
    reap(connectionIds: readonly string[], depth?: number, excludeConnectionId?: string | null): Promise<void>;
    /** Sends `presence_diff` leaves for removed subscriptions, grouped per topic. */
    announceLeaves(subscriptions: readonly SubscriptionRecord[], depth?: number, excludeConnectionId?: string | null): Promise<void>;
    private broadcastAt;
    private readSubscribers;
}
export declare function presenceDiffMessage(topic: string, diff: ReturnType<typeof diffOf>): OutboundMessage;
