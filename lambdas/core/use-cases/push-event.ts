import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../protocol/constants.js';
import type { OutboundMessage, PushCommand } from '../protocol/messages.js';
import { replyTo, type ChannelRuntime } from '../channels/channel-runtime.js';
import type { Clock, RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';
import { windowStartOf } from './rate-window.js';
import type { Requester } from './requester.js';

export interface PushEventDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly clock: Clock;
  readonly channels: ChannelRuntime;
}

/** Runs a client event through the topic's `handleIn`; without a module, broadcasts it (the sender too unless `self: false`). */
export async function pushEvent(deps: PushEventDependencies, requester: Requester, command: PushCommand): Promise<OutboundMessage[]> {
  const { store, config, clock } = deps;
  const windowSeconds = config.limits.rateLimitWindowSeconds;
  const windowStart = windowStartOf(clock.nowMs(), windowSeconds);
  // Both reads are independent: run them together to keep one round trip of latency.
  const [joined, pushesInWindow] = await Promise.all([
    store.readJoin(requester.connectionId, command.topic),
    store.countPush(requester.connectionId, windowStart, windowStart + windowSeconds * 2),
  ]);
  if (!joined) throw new ProtocolError(REASONS.notJoined, `join ${command.topic} before pushing to it`);
  if (pushesInWindow > config.limits.maxPushesPerWindow) {
    throw new ProtocolError(REASONS.rateLimited, `at most ${config.limits.maxPushesPerWindow} pushes per ${windowSeconds} s`);
  }
  const { reply, pushes } = await deps.channels.handleIn({
    connectionId: requester.connectionId,
    topic: command.topic,
    event: command.event,
    payload: command.payload,
    self: command.self,
    state: joined.channel,
    // Once accepted, a broadcast answers ok: what fails after delivery started is logged and
    // counted, never turned into an error the client would retry (and duplicate).
    ...(requester.deadlineMs === undefined ? {} : { deadlineMs: requester.deadlineMs }),
  });
  return [...pushes, ...replyTo(command, reply)];
}
