import type { TopicastConfig } from '../config.js';
import { type LeaveCommand, type OutboundMessage } from '../protocol/messages.js';
import type { RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';
import type { Requester } from './requester.js';
export interface LeaveTopicDependencies {
    readonly store: RealtimeStore;
    readonly broadcaster: Broadcaster;
    readonly config: TopicastConfig;
}
/** Leaves a topic; Phoenix clients also get `phx_close`, as the channel process ends. */
export declare function leaveTopic(deps: LeaveTopicDependencies, requester: Requester, command: LeaveCommand): Promise<OutboundMessage[]>;
