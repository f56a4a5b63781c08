/**
 * Format-independent messages (Phoenix's Message, Reply and Broadcast structs). The
 * codecs turn them into native JSON objects or Phoenix V2 arrays at the edge.
 */
import type { Reason } from './constants.js';
import { CHANNEL_EVENTS, REPLY_STATUS } from './constants.js';

/** How a frame was written; replies and broadcasts go back in the same format. `pusher`: Pusher protocol 7 (core/pusher). */
export type WireFormat = 'native' | 'phoenix' | 'pusher';

export type JsonObject = Record<string, unknown>;

/** Where a reply must go: the request's topic, ref and join_ref. */
export interface ReplyContext {
  readonly format: WireFormat;
  readonly topic: string | null;
  readonly ref: string | null;
  readonly joinRef: string | null;
}

export interface JoinCommand extends ReplyContext {
  readonly kind: 'join';
  readonly topic: string;
  readonly payload: JsonObject;
  /**
   * The presence key the join tracks, when something trusted named it: a Pusher presence
   * channel's `user_id`, signed by the app's auth endpoint. Otherwise the token's `sub` or the connection.
   */
  readonly presenceKey?: string;
  /** A Pusher subscribe's `auth` and `channel_data`, checked against the connection's socket_id before the join runs. */
  readonly pusherAuth?: { readonly auth: unknown; readonly channelData: string | null };
  /** Set once that check passed (core/pusher/subscription-auth.ts): `private-`/`presence-` topics then need no token. */
  readonly pusherSigned?: boolean;
}

export interface LeaveCommand extends ReplyContext {
  readonly kind: 'leave';
  readonly topic: string;
}

export interface PushCommand extends ReplyContext {
  readonly kind: 'push';
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
  /** Whether the sender receives its own broadcast. */
  readonly self: boolean;
}

/** Native `ping` or Phoenix `heartbeat`: answered without touching storage. */
export interface HeartbeatCommand extends ReplyContext {
  readonly kind: 'heartbeat';
}

export type Command = JoinCommand | LeaveCommand | PushCommand | HeartbeatCommand;

/** A server-to-client message before encoding. */
export interface OutboundMessage {
  readonly topic: string | null;
  readonly event: string;
  readonly payload: unknown;
  readonly ref: string | null;
  readonly joinRef: string | null;
  /** A broadcast's place in its topic's history (topics with history on only). */
  readonly seq?: number;
  /**
   * On a presence diff: the keys (users) it adds or removes as a whole, as Pusher counts
   * members (the first connection of a user adds it, the last one out removes it). Pusher
   * subscribers get `member_added`/`member_removed` for these only; Phoenix ones ignore it.
   */
  readonly members?: { readonly added: readonly string[]; readonly removed: readonly string[] };
  /**
   * On a client's push to a Pusher presence channel: the sender's user id (its presence key),
   * which Pusher subscribers get as the frame's `user_id` (Pusher adds it; pusher-js hands it
   * to bindings as `metadata.user_id`). Phoenix and native frames do not carry it.
   */
  readonly userId?: string;
}

export function okReply(context: ReplyContext, response: JsonObject = {}): OutboundMessage {
  return {
    topic: context.topic,
    event: CHANNEL_EVENTS.reply,
    ref: context.ref,
    joinRef: context.joinRef,
    payload: { status: REPLY_STATUS.ok, response },
  };
}

/** An error reply whose response channel code wrote: its own `reason` and any other fields. */
export function channelErrorReply(context: ReplyContext, response: JsonObject): OutboundMessage {
  return { topic: context.topic, event: CHANNEL_EVENTS.reply, ref: context.ref, joinRef: context.joinRef, payload: { status: REPLY_STATUS.error, response } };
}

export function errorReply(context: ReplyContext, reason: Reason, message: string): OutboundMessage {
  return {
    topic: context.topic,
    event: CHANNEL_EVENTS.reply,
    ref: context.ref,
    joinRef: context.joinRef,
    payload: { status: REPLY_STATUS.error, response: { reason, message } },
  };
}
