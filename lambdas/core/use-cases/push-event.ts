import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../protocol/constants.js';
import type { OutboundMessage, PushCommand } from '../protocol/messages.js';
import { replyTo, type ChannelRuntime } from '../channels/channel-runtime.js';
import type { Clock, JoinedTopic, RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';
import type { PushRateLimiter } from './push-rate-limiter.js';
import type { Requester } from './requester.js';
import { isPusherPresenceChannel } from '../pusher/member-changes.js';

export interface PushEventDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly clock: Clock;
  readonly channels: ChannelRuntime;
  readonly pushLimiter: PushRateLimiter;
}

/**
 * Runs a client event through the topic's `handleIn`; without a module, broadcasts it (the
 * sender too unless `self: false`). A push without a `ref` is answered only when refused:
 * its client cannot match a reply to it, and API Gateway bills every frame it sends.
 */
export async function pushEvent(deps: PushEventDependencies, requester: Requester, command: PushCommand): Promise<OutboundMessage[]> {
  const { config, clock } = deps;
  // Both checks are independent: run them together to keep one round trip of latency.
  const [joined, withinLimit] = await Promise.all([readMembership(deps, requester.connectionId, command.topic), deps.pushLimiter.admit(requester.connectionId, clock.nowMs())]);
  if (!joined) throw new ProtocolError(REASONS.notJoined, `join ${command.topic} before pushing to it`);
  if (!withinLimit) {
    throw new ProtocolError(REASONS.rateLimited, `at most ${config.limits.maxPushesPerWindow} pushes per ${config.limits.rateLimitWindowSeconds} s`);
  }
  const { reply, pushes } = await deps.channels.handleIn({
    connectionId: requester.connectionId,
    topic: command.topic,
    event: command.event,
    payload: command.payload,
    self: command.self,
    state: joined.channel,
    // Pusher adds the sender's user_id to client events on presence channels.
    ...(isPusherPresenceChannel(command.topic) && typeof joined.presenceKey === 'string' ? { userId: joined.presenceKey } : {}),
    // Once accepted, a broadcast answers ok: what fails after delivery started is logged and
    // counted, never turned into an error the client would retry (and duplicate).
    ...(requester.deadlineMs === undefined ? {} : { deadlineMs: requester.deadlineMs }),
  });
  const replies = command.ref === null && reply?.status === 'ok' ? [] : replyTo(command, reply);
  return [...pushes, ...replies];
}

/**
 * Whether the connection joined the topic. Without a channel module an eventually
 * consistent read (half the read units) is safe when it answers yes: the row it may still
 * see is one the connection's own leave deleted within the last second, and a push sent
 * just after a leave could already be handled before it (API Gateway runs a connection's
 * frames concurrently). A no may miss a join of the last second, so it is asked again
 * strongly. A module's assigns must be the latest join's: strong read.
 */
async function readMembership(deps: PushEventDependencies, connectionId: string, topic: string): Promise<JoinedTopic | null> {
  if (deps.channels.handles(topic)) return deps.store.readJoin(connectionId, topic, 'strong');
  return (await deps.store.readJoin(connectionId, topic, 'eventual')) ?? deps.store.readJoin(connectionId, topic, 'strong');
}
