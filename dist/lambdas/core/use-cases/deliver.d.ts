/**
 * Sends one message to many subscribers with bounded concurrency. Each subscriber gets
 * the message in its own wire format; Phoenix subscribers of presence events get their
 * own join_ref. One failed post never aborts the rest.
 */
import type { FanoutSettings } from '../config.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { MessageSender, Subscriber } from '../ports.js';
export interface DeliveryReport {
    readonly delivered: number;
    readonly failed: number;
    /** Connections that answered 410: their sockets are gone and their items must go too. */
    readonly gone: readonly string[];
}
export interface DeliverOptions {
    /** Presence events carry the receiving subscription's join_ref, as Phoenix does. */
    readonly withSubscriberJoinRef?: boolean;
}
export declare function deliverToSubscribers(sender: MessageSender, settings: Pick<FanoutSettings, 'concurrency'>, subscribers: readonly Subscriber[], message: OutboundMessage, options?: DeliverOptions): Promise<DeliveryReport>;
