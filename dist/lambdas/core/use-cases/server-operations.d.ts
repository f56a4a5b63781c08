/**
 * What a backend may do to topicast: publish, read presence and occupancy, close
 * connections. One implementation behind the SDK (`topicast/server`), the HTTP publish
 * route and the CLI, so they validate and behave alike. Every argument is checked before
 * anything is sent: a refused batch delivers nothing.
 */
import type { TopicastConfig } from '../config.js';
import { type PresenceState } from '../presence.js';
import type { RealtimeStore } from '../ports.js';
import type { ConnectionCloser, UserConnectionIndex } from '../server-ports.js';
import type { Broadcaster } from './broadcaster.js';
import { type PublishResult } from './publish.js';
export interface ServerOperationDependencies {
    readonly store: RealtimeStore;
    readonly broadcaster: Broadcaster;
    readonly config: TopicastConfig;
    readonly closer: ConnectionCloser;
    readonly users: UserConnectionIndex;
}
export interface DisconnectResult {
    /** Connections asked to close; API Gateway then runs `$disconnect` for each. */
    readonly closed: number;
    /** Connections that were already gone; their items have been removed. */
    readonly gone: number;
}
export interface Occupancy {
    readonly topic: string;
    /** Connections joined to the topic. */
    readonly subscribers: number;
    /** Distinct presence keys (users, or connections without a token). */
    readonly presence: number;
}
export declare class ServerOperations {
    private readonly deps;
    constructor(deps: ServerOperationDependencies);
    /** Sends `event` with `payload` to every subscriber of `topic`. */
    publish(topic: string, event: string, payload?: unknown): Promise<PublishResult>;
    /** Up to 25 messages, all validated before any is sent; results in the order given. */
    publishBatch(messages: readonly unknown[]): Promise<PublishResult[]>;
    /** Closes one connection (API Gateway runs its `$disconnect`, which announces its leaves). */
    disconnect(connectionId: string): Promise<DisconnectResult>;
    /** Closes every connection opened with a token whose `sub` is `sub`. */
    disconnectUser(sub: string): Promise<DisconnectResult>;
    /** The topic's presence, in Phoenix's `presence_state` shape. */
    presence(topic: string): Promise<PresenceState>;
    occupancy(topic: string): Promise<Occupancy>;
    private subscriptions;
}
