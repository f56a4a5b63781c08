import { type AsyncJoinAuthorizationHook } from '../authorization.js';
import type { TopicastConfig } from '../config.js';
import { type PresenceEntry } from '../presence.js';
import { type JoinCommand, type OutboundMessage } from '../protocol/messages.js';
import type { Clock, IdGenerator, RealtimeStore, SubscriptionRecord } from '../ports.js';
import { type Broadcaster } from './broadcaster.js';
import type { Requester } from './requester.js';
export interface JoinTopicDependencies {
    readonly store: RealtimeStore;
    readonly broadcaster: Broadcaster;
    readonly config: TopicastConfig;
    readonly ids: IdGenerator;
    readonly clock: Clock;
    readonly authorizeHook?: AsyncJoinAuthorizationHook | undefined;
}
/**
 * Joins a topic: authorize, subscribe (replacing an earlier join, as Phoenix does), then
 * send the joiner its reply and `presence_state`, and everyone else a `presence_diff`.
 */
export declare function joinTopic(deps: JoinTopicDependencies, requester: Requester, command: JoinCommand): Promise<OutboundMessage[]>;
export declare function presenceEntryOf(subscription: SubscriptionRecord): PresenceEntry[];
