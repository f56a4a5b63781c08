import { authorizeJoinAsync } from '../authorization.js';
import { ProtocolError } from '../errors.js';
import { presenceKeyOf } from '../identity.js';
import { buildMeta, diffOf, stateOf } from '../presence.js';
import { PRESENCE_EVENTS, REASONS } from '../protocol/constants.js';
import { okReply } from '../protocol/messages.js';
import { isPlainObject, jsonByteLength } from '../protocol/safe-json.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import { presenceDiffMessage } from './broadcaster.js';
/**
 * Joins a topic: authorize, subscribe (replacing an earlier join, as Phoenix does), then
 * send the joiner its reply and `presence_state`, and everyone else a `presence_diff`.
 */
export async function joinTopic(deps, requester, command) {
    const { store, config, broadcaster } = deps;
    const { topic } = command;
    const userMeta = readMeta(command.payload, config.limits.maxMetaBytes);
    const { connection, topics } = await store.getConnectionState(requester.connectionId);
    if (!connection)
        throw new ProtocolError(REASONS.unauthorized, 'this connection is not registered; reconnect');
    const identity = connection.identity;
    const decision = await authorizeJoinAsync({ topic, identity, payload: command.payload }, config.topicRules, deps.authorizeHook);
    if (!decision.allowed)
        throw new ProtocolError(REASONS.unauthorized, decision.message);
    const rejoin = topics.includes(topic);
    if (!rejoin && topics.length >= config.limits.maxTopicsPerConnection) {
        throw new ProtocolError(REASONS.tooManyTopics, `a connection may join at most ${config.limits.maxTopicsPerConnection} topics`);
    }
    const presenceOn = presenceEnabledFor(topic, config);
    const shards = shardCountFor(topic, config);
    const subscription = {
        topic,
        connectionId: requester.connectionId,
        endpoint: connection.endpoint,
        format: command.format,
        joinRef: command.joinRef,
        presenceKey: presenceOn ? presenceKeyOf(identity, requester.connectionId) : null,
        meta: presenceOn ? buildMeta(userMeta, deps.ids.phxRef()) : null,
        expiresAt: connection.expiresAt,
    };
    const replaced = await store.putSubscription(subscription, shards);
    const reply = okReply(command);
    if (!presenceOn || subscription.presenceKey === null || subscription.meta === null)
        return [reply];
    const members = [];
    for await (const page of store.listSubscribers(topic, shards, 'presence'))
        members.push(...page);
    const leaves = replaced ? presenceEntryOf(replaced) : [];
    const diff = diffOf([{ key: subscription.presenceKey, meta: subscription.meta }], leaves);
    // Reaping is deferred: the stale connections this finds must not reach the joiner as
    // leaves before its reply, nor stay in its presence_state.
    const { gone } = await broadcaster.broadcast(topic, presenceDiffMessage(topic, diff), {
        excludeConnectionId: requester.connectionId,
        withSubscriberJoinRef: true,
        subscribers: members,
        deferReap: true,
    });
    const goneIds = new Set(gone);
    const state = stateOf(members.filter((member) => !goneIds.has(member.connectionId)).flatMap(presenceEntryOf));
    await broadcaster.reap(gone, 0, requester.connectionId);
    const presenceState = { topic, event: PRESENCE_EVENTS.state, payload: state, ref: null, joinRef: command.joinRef };
    return [reply, presenceState];
}
function readMeta(payload, maxBytes) {
    const meta = payload.meta;
    if (meta === undefined || meta === null)
        return {};
    if (!isPlainObject(meta))
        throw new ProtocolError(REASONS.invalidFrame, 'join payload "meta" must be a JSON object');
    const bytes = jsonByteLength(meta);
    if (bytes > maxBytes)
        throw new ProtocolError(REASONS.payloadTooLarge, `presence meta is ${bytes} bytes; the limit is ${maxBytes}`);
    return meta;
}
export function presenceEntryOf(subscription) {
    const { presenceKey, meta } = subscription;
    return presenceKey !== null && meta !== null ? [{ key: presenceKey, meta: meta }] : [];
}
