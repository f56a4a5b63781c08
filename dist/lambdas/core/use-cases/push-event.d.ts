import type { TopicastConfig } from '../config.js';
import { type OutboundMessage, type PushCommand } from '../protocol/messages.js';
import type { Clock, RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';
import type { Requester } from './requester.js';
export interface PushEventDependencies {
    readonly store: RealtimeStore;
    readonly broadcaster: Broadcaster;
    readonly config: TopicastConfig;
    readonly clock: Clock;
}
/** Broadcasts a client event to the topic's subscribers (the sender too unless `self: false`). */
export declare function pushEvent(deps: PushEventDependencies, requester: Requester, command: PushCommand): Promise<OutboundMessage[]>;
