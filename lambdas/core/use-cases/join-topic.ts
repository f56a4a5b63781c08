import { authorizeJoin } from '../authorization.js';
import type { ChannelRuntime } from '../channels/channel-runtime.js';
import type { JsonObject } from '../channels/definition.js';
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { presenceKeyOf } from '../identity.js';
import { buildMeta, diffOf, type PresenceEntry, type PresenceMeta } from '../presence.js';
import { presenceStateFrames } from '../presence-frames.js';
import { REASONS } from '../protocol/constants.js';
import { channelErrorReply, okReply, type JoinCommand, type JsonObject as FramePayload, type OutboundMessage } from '../protocol/messages.js';
import { isPlainObject, jsonByteLength } from '../protocol/safe-json.js';
import type { Clock, IdGenerator, RealtimeStore, SubscriptionRecord } from '../ports.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import { presenceDiffMessage, type Broadcaster } from './broadcaster.js';
import type { Requester } from './requester.js';

export interface JoinTopicDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly channels: ChannelRuntime;
}

/**
 * Joins a topic: authorize, subscribe (replacing an earlier join, as Phoenix does), then
 * send the joiner its reply and `presence_state`, and everyone else a `presence_diff`.
 */
export async function joinTopic(deps: JoinTopicDependencies, requester: Requester, command: JoinCommand): Promise<OutboundMessage[]> {
  const { store, config, broadcaster } = deps;
  const { topic } = command;
  const userMeta = readMeta(command.payload, config.limits.maxMetaBytes);

  const { connection, topics } = await store.getConnectionState(requester.connectionId);
  if (!connection) throw new ProtocolError(REASONS.unauthorized, 'this connection is not registered; reconnect');
  const identity = connection.identity;

  const decision = authorizeJoin({ topic, identity, payload: command.payload }, config.topicRules);
  if (!decision.allowed) throw new ProtocolError(REASONS.unauthorized, decision.message);

  const rejoin = topics.includes(topic);
  if (!rejoin && topics.length >= config.limits.maxTopicsPerConnection) {
    throw new ProtocolError(REASONS.tooManyTopics, `a connection may join at most ${config.limits.maxTopicsPerConnection} topics`);
  }

  // The topic's channel module decides last, after the built-in rules and limits.
  const admitted = await deps.channels.join({ connectionId: requester.connectionId, topic, params: command.payload as JsonObject, user: identity });
  if (admitted.status === 'failed') throw new ProtocolError(REASONS.internalError, 'the channel could not handle this join; try again');
  if (admitted.status === 'error') return [channelErrorReply(command, admitted.response)];

  const presenceOn = presenceEnabledFor(topic, config);
  const shards = shardCountFor(topic, config);
  const subscription: SubscriptionRecord = {
    topic,
    connectionId: requester.connectionId,
    endpoint: connection.endpoint,
    format: command.format,
    joinRef: command.joinRef,
    presenceKey: presenceOn ? presenceKeyOf(identity, requester.connectionId) : null,
    meta: presenceOn ? buildMeta(userMeta, deps.ids.phxRef()) : null,
    expiresAt: connection.expiresAt,
    channel: admitted.state,
  };
  const replaced = await store.putSubscription(subscription, shards);

  const reply = okReply(command, admitted.response);
  if (!presenceOn || subscription.presenceKey === null || subscription.meta === null) return [reply, ...admitted.pushes];

  const members: SubscriptionRecord[] = [];
  for await (const page of store.listSubscribers(topic, shards, 'presence')) members.push(...page);
  const leaves = replaced ? presenceEntryOf(replaced) : [];
  const diff = diffOf([{ key: subscription.presenceKey, meta: subscription.meta }], leaves);
  // Reaping is deferred: the stale connections this finds must not reach the joiner as
  // leaves before its reply, nor stay in its presence_state.
  const { gone } = await broadcaster.broadcast(topic, presenceDiffMessage(topic, diff), {
    excludeConnectionId: requester.connectionId,
    withSubscriberJoinRef: true,
    subscribers: members,
    deferReap: true,
    ...(requester.deadlineMs === undefined ? {} : { deadlineMs: requester.deadlineMs }),
  });
  const goneIds = new Set(gone);
  const present = members.filter((member) => !goneIds.has(member.connectionId)).flatMap(presenceEntryOf);
  await broadcaster.reapAfterDelivery(gone, 0, requester.connectionId);
  // The state is split to fit 128 KB frames: a presence_state, then presence_diff joins.
  return [reply, ...presenceStateFrames(topic, present, command.joinRef, command.format), ...admitted.pushes];
}

function readMeta(payload: FramePayload, maxBytes: number): FramePayload {
  const meta = payload.meta;
  if (meta === undefined || meta === null) return {};
  if (!isPlainObject(meta)) throw new ProtocolError(REASONS.invalidFrame, 'join payload "meta" must be a JSON object');
  const bytes = jsonByteLength(meta);
  if (bytes > maxBytes) throw new ProtocolError(REASONS.payloadTooLarge, `presence meta is ${bytes} bytes; the limit is ${maxBytes}`);
  return meta;
}

export function presenceEntryOf(subscription: SubscriptionRecord): PresenceEntry[] {
  const { presenceKey, meta } = subscription;
  return presenceKey !== null && meta !== null ? [{ key: presenceKey, meta: meta as PresenceMeta }] : [];
}
