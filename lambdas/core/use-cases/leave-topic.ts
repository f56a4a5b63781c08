import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { CHANNEL_EVENTS, REASONS } from '../protocol/constants.js';
import { okReply, type LeaveCommand, type OutboundMessage } from '../protocol/messages.js';
import type { RealtimeStore } from '../ports.js';
import { shardCountFor } from '../topic-settings.js';
import type { Broadcaster } from './broadcaster.js';
import type { Requester } from './requester.js';

export interface LeaveTopicDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
}

/** Leaves a topic; Phoenix clients also get `phx_close`, as the channel process ends. */
export async function leaveTopic(deps: LeaveTopicDependencies, requester: Requester, command: LeaveCommand): Promise<OutboundMessage[]> {
  const removed = await deps.store.deleteSubscription(requester.connectionId, command.topic, shardCountFor(command.topic, deps.config));
  if (!removed) throw new ProtocolError(REASONS.notJoined, `not joined to ${command.topic}`);
  await deps.broadcaster.announceLeaves([removed], 'leave');
  const messages: OutboundMessage[] = [okReply(command)];
  if (command.format === 'phoenix') {
    messages.push({ topic: command.topic, event: CHANNEL_EVENTS.close, payload: {}, ref: command.joinRef, joinRef: command.joinRef });
  }
  return messages;
}
