import { type HeartbeatCommand, type OutboundMessage } from '../protocol/messages.js';
/** Native `ping` and Phoenix `heartbeat`: a reply and nothing else, no storage touched. */
export declare function heartbeat(command: HeartbeatCommand): OutboundMessage[];
