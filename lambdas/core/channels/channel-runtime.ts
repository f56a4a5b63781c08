/**
 * Where the use cases meet channel modules: join asks the topic's module, push runs its
 * `handleIn` (or the built-in broadcast), and every ended subscription runs its `leave`.
 * A topic without a module behaves as it always did: join admitted by the built-in
 * rules, push broadcast as sent.
 */
import type { Identity } from '../identity.js';
import type { ChannelState, Logger, SubscriptionRecord } from '../ports.js';
import { REASONS } from '../protocol/constants.js';
import { channelErrorReply, errorReply, okReply, type OutboundMessage, type ReplyContext } from '../protocol/messages.js';
import type { ChannelErrorResponse, ChannelKv, JsonObject, JsonValue, LeaveReason } from './definition.js';
import type { ChannelRegistry, InstalledChannel } from './registry.js';
import { runHandleIn, runJoin, runLeave, type RunnerSettings } from './runner.js';
import { bindSocket, type SocketPhase, type TopicBroadcast } from './socket.js';

export interface ChannelRuntimeDependencies {
  readonly registry: ChannelRegistry;
  readonly kv: ChannelKv;
  readonly logger: Logger;
  readonly broadcast: TopicBroadcast;
  readonly timeoutMs: number;
  readonly maxAssignsBytes: number;
}

export type ChannelJoin =
  | { readonly status: 'ok'; readonly response: JsonObject; readonly state: ChannelState | null; readonly pushes: readonly OutboundMessage[] }
  | { readonly status: 'error'; readonly response: ChannelErrorResponse }
  | { readonly status: 'failed' };

export type ChannelReply = { readonly status: 'ok'; readonly response: JsonObject } | { readonly status: 'error'; readonly response: ChannelErrorResponse } | { readonly status: 'failed' };

export interface ChannelHandleIn {
  /** Null when the module answered `noreply`. */
  readonly reply: ChannelReply | null;
  readonly pushes: readonly OutboundMessage[];
}

export interface IncomingEvent {
  readonly connectionId: string;
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
  /** The frame's `self` flag; only the built-in broadcast reads it. */
  readonly self: boolean;
  /** What was stored with the subscription (null when the topic had no module at join). */
  readonly state: ChannelState | null;
  /** When the invocation ends (epoch ms), if known: broadcasts hand what they cannot post in time to workers. */
  readonly deadlineMs?: number;
  /** The sender's user id on a Pusher presence channel: the built-in broadcast carries it (OutboundMessage `userId`). */
  readonly userId?: string;
}

const NO_STATE: ChannelState = { assigns: {}, user: null };

export class ChannelRuntime {
  private readonly runner: RunnerSettings;

  public constructor(private readonly deps: ChannelRuntimeDependencies) {
    this.runner = { logger: deps.logger, timeoutMs: deps.timeoutMs };
  }

  /** Whether the topic's module has a `leave` callback. */
  public hasLeave(topic: string): boolean {
    return typeof this.deps.registry.resolve(topic)?.definition.leave === 'function';
  }

  /** Whether a module handles the topic (its subscriptions then store assigns and the user). */
  public handles(topic: string): boolean {
    return this.deps.registry.resolve(topic) !== undefined;
  }

  public async join(request: { readonly connectionId: string; readonly topic: string; readonly params: JsonObject; readonly user: Identity | null }): Promise<ChannelJoin> {
    const channel = this.deps.registry.resolve(request.topic);
    if (!channel) return { status: 'ok', response: {}, state: null, pushes: [] };
    const bound = this.bind('join', request.connectionId, request.topic, { assigns: {}, user: request.user });
    const { join } = channel.definition;
    if (!join) return { status: 'ok', response: {}, state: { assigns: {}, user: request.user }, pushes: [] };
    const outcome = await runJoin(this.runner, this.site(channel, 'join', request), () => join.call(channel.definition, request.topic, request.params, bound.socket));
    if (outcome.status !== 'ok') return outcome;
    return { status: 'ok', response: outcome.response, state: { assigns: bound.assigns(), user: request.user }, pushes: bound.pushes };
  }

  public async handleIn(incoming: IncomingEvent): Promise<ChannelHandleIn> {
    const channel = this.deps.registry.resolve(incoming.topic);
    const handleIn = channel?.definition.handleIn;
    if (!channel || !handleIn) return this.builtInBroadcast(incoming);
    const bound = this.bind('handleIn', incoming.connectionId, incoming.topic, incoming.state ?? NO_STATE, incoming.deadlineMs);
    const outcome = await runHandleIn(this.runner, this.site(channel, 'handleIn', incoming), () =>
      handleIn.call(channel.definition, incoming.event, incoming.payload as JsonValue, bound.socket),
    );
    return { reply: outcome.status === 'noreply' ? null : outcome, pushes: bound.pushes };
  }

  /** Runs `leave` for every ended subscription whose topic has a module; never throws. */
  public async leave(subscriptions: readonly SubscriptionRecord[], reason: LeaveReason): Promise<void> {
    await Promise.all(
      subscriptions.map(async (subscription) => {
        const channel = this.deps.registry.resolve(subscription.topic);
        const leave = channel?.definition.leave;
        if (!channel || !leave) return;
        const bound = this.bind('leave', subscription.connectionId, subscription.topic, subscription.channel ?? NO_STATE);
        await runLeave(this.runner, this.site(channel, 'leave', subscription), () => leave.call(channel.definition, subscription.topic, bound.socket, reason));
      }),
    );
  }

  /** The built-in `handleIn`: broadcast the event as sent, and reply ok. */
  private async builtInBroadcast(incoming: IncomingEvent): Promise<ChannelHandleIn> {
    const message: OutboundMessage = {
      topic: incoming.topic,
      event: incoming.event,
      payload: incoming.payload,
      ref: null,
      joinRef: null,
      ...(incoming.userId === undefined ? {} : { userId: incoming.userId }),
    };
    await this.deps.broadcast(incoming.topic, message, incoming.self ? null : incoming.connectionId, incoming.deadlineMs);
    return { reply: { status: 'ok', response: {} }, pushes: [] };
  }

  private bind(phase: SocketPhase, connectionId: string, topic: string, state: ChannelState, deadlineMs?: number) {
    return bindSocket({ phase, connectionId, topic, state, broadcast: this.deps.broadcast, kv: this.deps.kv, maxAssignsBytes: this.deps.maxAssignsBytes, deadlineMs });
  }

  private site(channel: InstalledChannel, callback: SocketPhase, at: { readonly connectionId: string; readonly topic: string; readonly event?: string }) {
    return { module: channel.name, callback, topic: at.topic, connectionId: at.connectionId, ...(at.event !== undefined ? { event: at.event } : {}) };
  }
}

/** The frames a `handleIn` outcome answers with: a reply, an `internal_error`, or none (`noreply`). */
export function replyTo(context: ReplyContext, reply: ChannelReply | null): OutboundMessage[] {
  if (reply === null) return [];
  if (reply.status === 'ok') return [okReply(context, reply.response)];
  if (reply.status === 'error') return [channelErrorReply(context, reply.response)];
  return [errorReply(context, REASONS.internalError, 'the channel could not handle this event; try again')];
}
