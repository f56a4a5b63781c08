import { authorizeJoin } from '../authorization.js';
import type { ChannelJoin, ChannelRuntime } from '../channels/channel-runtime.js';
import type { JsonObject } from '../channels/definition.js';
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { presenceKeyOf } from '../identity.js';
import { buildMeta, diffOf, type PresenceEntry, type PresenceMeta, type PresenceState } from '../presence.js';
import { presenceStateFrames } from '../presence-frames.js';
import { presenceCapFor, trackedPresences } from '../presence-cap.js';
import { splitExpired } from '../expired-members.js';
import { REASONS } from '../protocol/constants.js';
import { channelErrorReply, okReply, type JoinCommand, type JsonObject as FramePayload, type OutboundMessage } from '../protocol/messages.js';
import { isPlainObject, jsonByteLength } from '../protocol/safe-json.js';
import { readSince } from '../history.js';
import type { ChannelIndex, ClaimStatus, Clock, IdGenerator, Logger, MemberClaim, MessageSender, PresenceRow, RealtimeStore, SubscriptionRecord } from '../ports.js';
import { memberTagOf, presenceGraceMsFor, readMember } from '../presence-grace.js';
import { shardOf } from '../topics.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import type { Broadcaster } from './broadcaster.js';
import { emptyPresenceState } from './presence-publisher.js';
import { countAfterCappedState, leavesAfterSplitState, postToJoiner, type AfterPosted } from './joiner-presence.js';
import { countJoinOrLeave } from './rate-window.js';
import { replayOnJoin } from './replay-on-join.js';
import { isPusherPresenceChannel } from '../pusher/member-changes.js';
import type { Requester } from './requester.js';
import type { TopicHistory } from './topic-history.js';

export interface JoinTopicDependencies {
  readonly store: RealtimeStore;
  readonly broadcaster: Broadcaster;
  readonly config: TopicastConfig;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly channels: ChannelRuntime;
  readonly history: TopicHistory;
  readonly sender: MessageSender;
  readonly logger: Logger;
  /** The index of occupied channels (Pusher's `GET /channels`); present only when the Pusher protocol is on. */
  readonly channelIndex?: ChannelIndex | undefined;
}

/**
 * Joins a topic: authorize, subscribe (replacing an earlier join, as Phoenix does), then
 * send the joiner its reply and `presence_state`, and everyone else a `presence_diff`.
 *
 * The writes follow the table's write protocol (docs/infrastructure.md, "Write protocol"):
 * claim the topic on the connection item (a version; the topic limit holds there), write
 * both sides only over older versions, announce, then re-read the claim. A join that lost
 * it meanwhile (a `$disconnect`, a leave, a newer join of this connection) removes its own
 * rows and announces its own leave, after its join: no member keeps a join without a leave.
 * It answers ok only when the connection ends subscribed: a join ended by a leave answers
 * `join_interrupted` (a Phoenix client then rejoins by itself).
 *
 * A channel module's `join` runs before the claim (a refused join leaves nothing to undo);
 * every join it admitted that ends without the topic gets exactly one `leave`, unless a
 * newer join of this connection holds the topic (that one's `leave` is still to come).
 */
export async function joinTopic(deps: JoinTopicDependencies, requester: Requester, command: JoinCommand): Promise<OutboundMessage[]> {
  const { store, config, broadcaster } = deps;
  const { topic } = command;
  const { connectionId } = requester;
  const maxTopics = config.limits.maxTopicsPerConnection;
  const userMeta = readMeta(command.payload, config.limits.maxMetaBytes);
  const since = readSince(command.payload);

  const usage = await countJoinOrLeave(deps, connectionId);
  const { connection } = usage;
  const identity = connection.identity;

  const decision = authorizeJoin({ topic, identity, payload: command.payload, pusherSigned: command.pusherSigned === true }, config.topicRules);
  if (!decision.allowed) throw new ProtocolError(REASONS.unauthorized, decision.message);

  // The count just read refuses the obvious case without a write; the claim is the real check.
  if (!Object.hasOwn(usage.topics, topic) && Object.keys(usage.topics).length >= maxTopics) throw tooManyTopics(maxTopics);

  // The topic's channel module decides last, after the built-in rules and limits.
  const admitted = await deps.channels.join({ connectionId, topic, params: command.payload as JsonObject, user: identity });
  if (admitted.status === 'failed') throw new ProtocolError(REASONS.internalError, 'the channel could not handle this join; try again');
  if (admitted.status === 'error') return [channelErrorReply(command, admitted.response)];

  const presenceOn = presenceEnabledFor(topic, config);
  const shards = shardCountFor(topic, config);
  const member = presenceOn ? readMember(command.payload) : null;
  const memberClaim: MemberClaim | null =
    member !== null && presenceGraceMsFor(topic, config) > 0 ? { tag: memberTagOf(member), sub: identity?.sub ?? '', userMeta: JSON.stringify(userMeta) } : null;
  let subscription: SubscriptionRecord = {
    topic,
    connectionId,
    endpoint: connection.endpoint,
    format: command.format,
    joinRef: command.joinRef,
    presenceKey: presenceOn ? (command.presenceKey ?? presenceKeyOf(identity, connectionId)) : null,
    meta: presenceOn ? buildMeta(userMeta, deps.ids.phxRef()) : null,
    expiresAt: connection.expiresAt,
    channel: admitted.state,
    ...(memberClaim ? { member: memberClaim } : {}),
  };

  const claim = await store.claimTopic(connectionId, topic, maxTopics);
  if (claim.status !== 'claimed') {
    // The module admitted this join (members may have seen its broadcasts): it gets its leave.
    await broadcaster.runLeaveHooks([subscription], claim.status === 'closed' ? 'disconnect' : 'leave');
    throw claim.status === 'limit' ? tooManyTopics(maxTopics) : closing();
  }
  // A named member rejoining after a reconnect takes its presence over: no leave, no join.
  if (memberClaim) subscription = await resumedPresence(deps, subscription, memberClaim);
  const attempt: JoinAttempt = { subscription, version: claim.version, shards, written: false, announced: false };
  try {
    return await subscribe(deps, requester, command, attempt, admitted, since);
  } catch (error) {
    // Whatever failed after the claim, the claim and any row written go again: a failed join
    // must not count toward the topic limit, nor leave half a subscription.
    await undoFailedJoin(deps, attempt);
    throw error;
  } finally {
    // A takeover whose own row was never written carries the presence nowhere: give it back.
    if (!attempt.written) await giveTakeoverBack(deps, subscription, shards);
  }
}

/**
 * The member's old row, taken over by this join, goes back to what it was: its release then
 * announces the leave (presence-grace.ts). If it went meanwhile (the grace release deleted
 * it, taken over, so silently), nobody will announce the leave: this join does, at once.
 * A written row needs none of this: its own removal is announced as the leave. Never throws.
 */
async function giveTakeoverBack(deps: JoinTopicDependencies, subscription: SubscriptionRecord, shards: number): Promise<void> {
  const resumes = subscription.member?.resumes;
  if (resumes === undefined) return;
  const { topic, connectionId } = subscription;
  try {
    const outcome = await deps.store.releaseResume(topic, shardOf(resumes, shards), resumes, connectionId);
    if (outcome === 'gone') await deps.broadcaster.presence.leftNow(topic, presenceEntryOf(subscription));
  } catch (error) {
    deps.logger.error('a failed rejoin could not give its takeover back; members may show the member until they join again', {
      topic,
      connectionId,
      resumes,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}

/** A join past its claim: what it has done so far, for its undo. */
interface JoinAttempt {
  readonly subscription: SubscriptionRecord;
  readonly version: number;
  readonly shards: number;
  /** Both rows were written by this join. */
  written: boolean;
  /** Members may have heard this join's presence. */
  announced: boolean;
  /** Undone already (its check found it had lost): a later failure has nothing more to undo. */
  undone?: boolean;
}

async function subscribe(
  deps: JoinTopicDependencies,
  requester: Requester,
  command: JoinCommand,
  attempt: JoinAttempt,
  admitted: Extract<ChannelJoin, { status: 'ok' }>,
  since: number | null,
): Promise<OutboundMessage[]> {
  const { store, broadcaster } = deps;
  const { subscription, shards, version } = attempt;
  const { connectionId, topic } = subscription;
  const write = await store.putSubscription(subscription, shards, version);
  attempt.written = write.written;
  // After the rows, before the answer: list-channels.ts says why this order keeps the index exact.
  // Its TTL covers every connection's (none outlives now + connectionTtlSeconds).
  if (deps.channelIndex) await deps.channelIndex.touch(topic, Math.floor(deps.clock.nowMs() / 1000) + deps.config.connectionTtlSeconds);
  // The member's next rejoin finds this connection here (its row lives as long as the connection's).
  if (write.written && subscription.member) await store.recordMember(topic, subscription.member.tag, connectionId, shardOf(connectionId, shards), subscription.expiresAt);

  let presence: JoinerPresence | null = null;
  let failure: unknown = null;
  // A join that lost may still have replaced an earlier one's topic row: announce that leave
  // (presence only: a rejoin replaces a join without its module's leave, as below).
  if (!write.written && write.replaced) await broadcaster.announcePresenceLeaves([write.replaced]);
  if (write.written && subscription.presenceKey !== null && subscription.meta !== null) {
    attempt.announced = true;
    try {
      presence = await announceJoin(deps, requester, command, subscription, write.replaced, shards);
    } catch (error) {
      // Some members may have heard the join: the check below still runs.
      failure = error;
    }
  }

  const claimNow = await store.checkClaim(connectionId, topic, version);
  if (claimNow !== 'held') {
    attempt.undone = true;
    await undoJoin(deps, attempt, claimNow);
  }
  if (failure !== null) throw failure;
  if (presence) await broadcaster.reapAfterDelivery(presence.gone, 0, connectionId, topic);
  // Ok only when the connection ends subscribed: by this join, or by a newer one of its own.
  if (claimNow === 'released') throw new ProtocolError(REASONS.joinInterrupted, `a leave of ${topic} ended this join before it was done; join again to stay`);
  if (claimNow === 'closed') throw closing();

  // After subscribing, and only while this join still holds: a message the replay does not
  // cover is delivered live. The replay summary wins over a channel module's keys of the same name.
  const replay = claimNow === 'held' && write.written ? await replayOnJoin(deps, command, since, requester) : null;
  const reply = okReply(command, replay ? { ...admitted.response, ...replay } : admitted.response);
  if (claimNow !== 'held') return [reply];
  const frames = presence ? [reply, ...presence.state, ...admitted.pushes] : [reply, ...admitted.pushes];
  if (!presence?.afterPosted) return frames;
  // Something must follow the frames (joiner-presence.ts): the join posts them itself.
  const post = (messages: readonly OutboundMessage[]) => postToJoiner(deps, requester, command.format, messages);
  if (await post(frames)) await presence.afterPosted(post);
  return [];
}

interface JoinerPresence {
  readonly state: OutboundMessage[];
  readonly gone: readonly string[];
  readonly afterPosted?: AfterPosted;
}

/**
 * Removes what is still this join's (rows at exactly its version) and announces it. The
 * presence leave is ours to send, after our join, or a member keeps a ghost. The module's
 * `leave` goes with the connection row: whoever deletes it runs it; a join that never wrote
 * its row runs it itself, unless a newer join of this connection holds the topic.
 */
async function undoJoin(deps: JoinTopicDependencies, attempt: JoinAttempt, claim: Exclude<ClaimStatus, 'held'>): Promise<void> {
  const { subscription, shards, version } = attempt;
  const removal = await deps.store.deleteSubscription(subscription.connectionId, subscription.topic, shards, { exactly: version });
  const leaveOwed = claim !== 'overtaken' && (removal?.connectionRow === true || !attempt.written);
  const reason = claim === 'closed' ? 'disconnect' : 'leave';
  await Promise.all([
    leaveOwed ? deps.broadcaster.runLeaveHooks([subscription], reason) : undefined,
    removal !== null || attempt.announced ? deps.broadcaster.announcePresenceLeaves([subscription]) : undefined,
  ]);
}

/** Undoes a join that threw after its claim: releases the claim if still its own, then its rows. Never throws. */
async function undoFailedJoin(deps: JoinTopicDependencies, attempt: JoinAttempt): Promise<void> {
  if (attempt.undone === true) return;
  const { connectionId, topic } = attempt.subscription;
  try {
    const released = await deps.store.releaseClaim(connectionId, topic, attempt.version);
    await undoJoin(deps, attempt, released ? 'released' : await deps.store.checkClaim(connectionId, topic, attempt.version).then((status) => (status === 'held' ? 'released' : status)));
  } catch (error) {
    deps.logger.error('a failed join could not be undone', { topic, connectionId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

/**
 * The member's previous row on this topic (held by its old connection's `$disconnect`, or
 * still live when the rejoin overtook it), taken over if it is the same member, user and
 * meta: this join then carries its presence key and phx_ref, and the stream announces
 * neither this row nor the old one's removal (presence-grace.ts).
 */
async function resumedPresence(deps: JoinTopicDependencies, subscription: SubscriptionRecord, claim: MemberClaim): Promise<SubscriptionRecord> {
  const { topic, connectionId } = subscription;
  const previous = await deps.store.findMember(topic, claim.tag);
  if (!previous) return subscription;
  if (previous.connectionId === connectionId) {
    // Joined again on the same connection (phoenix does after a join outlasted its push
    // timeout): the same presence, so the row's rewrite changes nothing anyone sees.
    const own = await deps.store.ownPresence(topic, previous.shard, connectionId, claim);
    return own ? { ...subscription, presenceKey: own.presenceKey, meta: own.meta } : subscription;
  }
  const taken = await deps.store.resumeMember(topic, previous.shard, previous.connectionId, claim, connectionId);
  if (!taken) return subscription;
  return { ...subscription, presenceKey: taken.presenceKey, meta: taken.meta, member: { ...claim, resumes: previous.connectionId } };
}

function closing(): ProtocolError {
  return new ProtocolError(REASONS.unauthorized, 'this connection is closing; reconnect');
}

/** Tells the other members about the join (and the join it replaced); builds the joiner's state. */
async function announceJoin(
  deps: JoinTopicDependencies,
  requester: Requester,
  command: JoinCommand,
  subscription: SubscriptionRecord,
  replaced: SubscriptionRecord | null,
  shards: number,
): Promise<JoinerPresence> {
  const { topic } = command;
  const cap = presenceCapFor(topic, deps.config);
  let members: SubscriptionRecord[] = [];
  // A capped topic's state needs at most cap + 1 members: one more says it is over. A tenth
  // more leaves room for rows held for a reconnect, which share their presence with the
  // rejoin that took them over (presence-grace.ts), so a room at its cap is read once.
  for await (const page of deps.store.listSubscribers(topic, shards, 'presence', Number.isFinite(cap) ? cap + 1 + Math.ceil(cap / 10) : undefined)) members.push(...page);
  // When such rows are what took the read past the cap, the rest is read too, to count
  // presences rather than rows.
  if (members.length > cap && trackedPresences(members) <= cap) {
    members = [];
    for await (const page of deps.store.listSubscribers(topic, shards, 'presence')) members.push(...page);
  }
  // Over the cap the joiner holds an empty state, as every member does, and gets the last
  // count at once; its window's reader sends the new count. Its join is coalesced (capped
  // topics have a window), so nothing else is sent here.
  if (trackedPresences(members) > cap) return { state: [emptyPresenceState(topic, command.joinRef)], gone: [], afterPosted: countAfterCappedState(deps, topic, subscription.expiresAt, command.joinRef) };
  const leaves = replaced ? presenceEntryOf(replaced) : [];
  const diff = diffOf(presenceEntryOf(subscription), leaves);
  // Reaping is deferred: the stale connections this finds must not reach the joiner as
  // leaves before its reply, nor stay in its presence_state.
  // Sent now, or coalesced: then the table stream's reader announces this write, to the
  // joiner too (its state already has it; syncDiff makes that a no-op).
  const { live, expired } = splitExpired(members, deps.clock.nowMs());
  const { gone } = await deps.broadcaster.presence.joined(topic, diff, {
    ...(isPusherPresenceChannel(topic) ? { members: await deps.broadcaster.memberChangesOf(topic, diff, live) } : {}),
    excludeConnectionId: requester.connectionId,
    subscribers: live,
    deferReap: true,
    presenceRows: presenceRowsOf([subscription]),
    ...(requester.deadlineMs === undefined ? {} : { deadlineMs: requester.deadlineMs }),
  });
  const goneIds = new Set(gone);
  const present = live.filter((member) => !goneIds.has(member.connectionId));
  // The state is split to fit 128 KB frames: a presence_state, then presence_diff joins.
  const state = presenceStateFrames(topic, present.flatMap(presenceEntryOf), command.joinRef, command.format);
  if (state.length === 1) return { state, gone: [...gone, ...expired] };
  const inFirst = new Set(Object.values(state[0]?.payload as PresenceState).flatMap(({ metas }) => metas.map((meta) => meta.phx_ref)));
  const listedLater = presenceRowsOf(present).filter((row) => !inFirst.has(row.meta.phx_ref));
  return { state, gone: [...gone, ...expired], afterPosted: leavesAfterSplitState(deps, topic, shards, listedLater, command.joinRef) };
}

function tooManyTopics(maxTopics: number): ProtocolError {
  return new ProtocolError(REASONS.tooManyTopics, `a connection may join at most ${maxTopics} topics`);
}

function readMeta(payload: FramePayload, maxBytes: number): FramePayload {
  const meta = payload.meta;
  if (meta === undefined || meta === null) return {};
  if (!isPlainObject(meta)) throw new ProtocolError(REASONS.invalidFrame, 'join payload "meta" must be a JSON object');
  const bytes = jsonByteLength(meta);
  if (bytes > maxBytes) throw new ProtocolError(REASONS.payloadTooLarge, `presence meta is ${bytes} bytes; the limit is ${maxBytes}`);
  return meta;
}

/** Members' presences with the rows that carry them. */
export function presenceRowsOf(subscriptions: readonly SubscriptionRecord[]): PresenceRow[] {
  return subscriptions.flatMap(({ connectionId, presenceKey, meta, member }) =>
    presenceKey !== null && meta !== null ? [{ connectionId, key: presenceKey, meta, ...(member ? { member: member.tag } : {}) }] : [],
  );
}

export function presenceEntryOf(subscription: SubscriptionRecord): PresenceEntry[] {
  const { presenceKey, meta } = subscription;
  return presenceKey !== null && meta !== null ? [{ key: presenceKey, meta: meta as PresenceMeta }] : [];
}
