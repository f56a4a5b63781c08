/**
 * `topicast/server`: publish to topics, read presence and close connections from your
 * own backend (a Lambda, a container, a script), with the same delivery as client pushes:
 * each subscriber in its own wire format, big topics through the fan-out workers, gone
 * connections reaped.
 *
 *   import { publish } from 'topicast/server';
 *   await publish('user:alice', 'order_shipped', { orderId: 42 });
 *
 * Settings come from the environment `RealtimeApi.grantPublish(fn)` hands to a Lambda
 * (TOPICAST_TABLE_NAME, TOPICAST_CONFIG, TOPICAST_FANOUT_FUNCTION; AWS_REGION), or from
 * `new TopicastServer({ tableName, region, ... })`. Refusals throw `ProtocolError` with the
 * stable `reason` the HTTP route answers (`invalid_topic`, `payload_too_large`, ...).
 */
import { type ServerSettings } from '../lambdas/composition/environment/server.js';
export { ProtocolError } from '../lambdas/core/errors.js';
export { MAX_BROADCAST_BYTES, MAX_PUBLISH_BATCH } from '../lambdas/core/publish-request.js';
export { PUBLISH_ENV, type ServerSettings } from '../lambdas/composition/environment/server.js';
export type { Broadcast, PublishResult } from '../lambdas/core/use-cases/publish.js';
export type { DisconnectResult, Occupancy } from '../lambdas/core/use-cases/server-operations.js';
export type { PresenceState, PresenceMeta } from '../lambdas/core/presence.js';
import type { Broadcast, PublishResult } from '../lambdas/core/use-cases/publish.js';
import type { DisconnectResult, Occupancy } from '../lambdas/core/use-cases/server-operations.js';
import type { PresenceState } from '../lambdas/core/presence.js';
/** A publisher bound to one deployment. Create one per process and reuse it (it keeps its connections). */
export declare class TopicastServer {
    private readonly operations;
    /** @param settings explicit settings; by default read from the environment `grantPublish` sets */
    constructor(settings?: ServerSettings);
    /** Sends `event` with `payload` to every subscriber of `topic` (`user:<sub>` reaches every tab of that user). */
    publish(topic: string, event: string, payload?: unknown): Promise<PublishResult>;
    /** Up to 25 messages, all validated before any is sent; one topic's messages arrive in order. */
    publishBatch(messages: readonly Broadcast[]): Promise<PublishResult[]>;
    /** Closes one connection; its `$disconnect` then announces the presence leaves. */
    disconnect(connectionId: string): Promise<DisconnectResult>;
    /** Closes every connection opened with a token whose `sub` is `sub`. */
    disconnectUser(sub: string): Promise<DisconnectResult>;
    /** The topic's presence in Phoenix's `presence_state` shape. */
    presence(topic: string): Promise<PresenceState>;
    /** How many connections and presence keys the topic has. */
    occupancy(topic: string): Promise<Occupancy>;
}
export declare const publish: (topic: string, event: string, payload?: unknown) => Promise<PublishResult>;
export declare const publishBatch: (messages: readonly Broadcast[]) => Promise<PublishResult[]>;
export declare const disconnect: (connectionId: string) => Promise<DisconnectResult>;
export declare const disconnectUser: (sub: string) => Promise<DisconnectResult>;
export declare const presence: (topic: string) => Promise<PresenceState>;
export declare const occupancy: (topic: string) => Promise<Occupancy>;
