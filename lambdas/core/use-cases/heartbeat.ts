import { okReply, type HeartbeatCommand, type OutboundMessage } from '../protocol/messages.js';

/** Native `ping` and Phoenix `heartbeat`: a reply and nothing else, no storage touched. */
export function heartbeat(command: HeartbeatCommand): OutboundMessage[] {
  return [okReply(command)];
}
