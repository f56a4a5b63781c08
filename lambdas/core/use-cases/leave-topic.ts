import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { CHANNEL_EVENTS, REASONS } from '../protocol/constants.js';
import { okReply, type LeaveCommand, type OutboundMessage } from '../protocol/messages.js';
import type { Clock, RealtimeStore } from '../ports.js';
import { shardCountFor } from '../topic-settings.js';
import type { Broadcaster } from './broadcaster.js';
import { countLeave, joinRateOf } from './rate-window.js';
import type { Requester } from './requester.js';

export interface LeaveTopicDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly clock: Clock;
}

/**
 * Leaves a topic; Phoenix clients also get `phx_close`, as the channel process ends.
 * The leave takes a version on the connection item, then removes both sides only where
 * they are older (docs/infrastructure.md, "Write protocol"): a rejoin racing it keeps or
 * loses the whole subscription, never half of it.
 */
export async function leaveTopic(deps: LeaveTopicDependencies, requester: Requester, command: LeaveCommand): Promise<OutboundMessage[]> {
  const { store, config } = deps;
  const { connectionId } = requester;
  const notJoined = () => new ProtocolError(REASONS.notJoined, `not joined to ${command.topic}`);
  // One write in the common case: count the leave and release the topic together. A leave
  // is counted but never refused by the join/leave rate limit. When the topic was not held,
  // count it alone to learn why (not joined, gone); a join may have claimed it meanwhile.
  let version = await store.releaseTopic(connectionId, command.topic, joinRateOf(config, deps.clock));
  if (version === null) {
    const usage = await countLeave(deps, connectionId);
    if (!Object.hasOwn(usage.topics, command.topic)) throw notJoined();
    version = await store.releaseTopic(connectionId, command.topic);
    if (version === null) throw notJoined();
  }
  // Nothing removed means the join it ends is still writing: that join finds its claim
  // released, removes its rows and announces its own leave.
  const removal = await store.deleteSubscription(connectionId, command.topic, shardCountFor(command.topic, config), { olderThan: version });
  if (removal) await deps.broadcaster.announceLeaves({ removed: [removal.subscription], ended: removal.connectionRow ? [removal.subscription] : [] }, 'leave');
  const messages: OutboundMessage[] = [okReply(command)];
  if (command.format === 'phoenix') {
    messages.push({ topic: command.topic, event: CHANNEL_EVENTS.close, payload: {}, ref: command.joinRef, joinRef: command.joinRef });
  }
  return messages;
}
