import type { Broadcaster } from './broadcaster.js';
/**
 * What is published: a topic, an event and a payload. Unlike a reply it has no refs
 * (Phoenix's `%Broadcast{}`); each subscriber's wire format is chosen at delivery.
 */
export interface Broadcast {
    readonly topic: string;
    readonly event: string;
    readonly payload: unknown;
}
export interface PublishOptions {
    /** A connection that must not receive it (a push with `self: false`). */
    readonly excludeConnectionId?: string | null;
}
/** What happened to one broadcast; the HTTP route answers these as its `results`. */
export interface PublishResult {
    readonly topic: string;
    /** Subscribers the message was posted to. */
    readonly delivered: number;
    /** Subscribers whose sockets were gone (410); their items have been reaped. */
    readonly gone: number;
    /** Posts that failed after retries (logged and counted, never silently dropped). */
    readonly failed: number;
    /** Subscribers handed to fan-out workers (big topics), delivered after this returns. */
    readonly queued: number;
}
export interface PublishDependencies {
    readonly broadcaster: Broadcaster;
}
export declare function publish(deps: PublishDependencies, broadcast: Broadcast, options?: PublishOptions): Promise<PublishResult>;
/**
 * Publishes several broadcasts; results come back in the order given. Broadcasts to one
 * topic go out one after the other, so its subscribers see them in that order; different
 * topics go out in parallel.
 */
export declare function publishAll(deps: PublishDependencies, broadcasts: readonly Broadcast[]): Promise<PublishResult[]>;
