/**
 * What a channel module is, as its author sees it: Phoenix's `Channel` behaviour
 * (`join/3`, `handle_in/3`, `terminate/2`) in TypeScript. Everything here is public API,
 * re-exported by `topicast/channel`; a module may also be a plain object of this shape
 * and import nothing from topicast.
 */
import type { Identity } from '../identity.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };
/** A JSON object; `undefined` members are left out when it is sent, as JSON.stringify does. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** The verified token's `sub` and all its claims, or null for an anonymous connection. */
export type ChannelUser = Identity;

/** Why a subscription ended: the client left, the socket closed, or it was found gone (410, TTL). */
export type LeaveReason = 'leave' | 'disconnect' | 'gone';

/** `join` result: `{ ok: response }` admits (the client's join reply carries `response`), `{ error: { reason, ... } }` refuses. */
export type JoinResult = { readonly ok: JsonObject } | { readonly error: ChannelErrorResponse };

/** `handleIn` result, as Phoenix's `{:reply, {status, response}, socket} | {:noreply, socket}`. */
export type HandleInResult = { readonly reply: { readonly ok: JsonObject } | { readonly error: ChannelErrorResponse } } | { readonly noreply: true };

/** An error response: `reason` is the stable code clients branch on; anything else is yours. */
export interface ChannelErrorResponse {
  readonly reason: string;
  readonly [key: string]: JsonValue | undefined;
}

/**
 * A small key-value store for channel code, kept in topicast's own table under the `kv#`
 * key prefix. Every item expires (`ttlSeconds`, default one day, at most one year);
 * expired items read as absent. A key holds either a value (`set`) or a list (`append`).
 */
export interface ChannelKv {
  get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  set(key: string, value: JsonValue, options?: { readonly ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Appends to a list that keeps its newest `keep` entries (at most 1000); safe under concurrent appends. */
  append(key: string, value: JsonValue, options: { readonly keep: number; readonly ttlSeconds?: number }): Promise<void>;
  /** A list's entries, oldest first (at most its `keep`); empty when absent. */
  list<T extends JsonValue = JsonValue>(key: string): Promise<T[]>;
}

/** The connection as channel code sees it, bound to one topic. */
export interface ChannelSocket {
  readonly connectionId: string;
  readonly topic: string;
  readonly user: ChannelUser | null;
  /** What `join` assigned; stored with the subscription and read back in every `handleIn` and `leave`. */
  readonly assigns: Readonly<JsonObject>;
  /** Merges into `assigns` (small JSON, bounded by `limits.maxAssignsBytes`). Only in `join`. */
  assign(values: JsonObject): void;
  /** To every subscriber of the topic, this connection included (during `join` it is not subscribed yet). */
  broadcast(event: string, payload: JsonValue): Promise<void>;
  /** To every subscriber of the topic but this connection. */
  broadcastFrom(event: string, payload: JsonValue): Promise<void>;
  /** To this connection only; during `join`, sent right after the join reply. Ignored in `leave`. */
  push(event: string, payload: JsonValue): Promise<void>;
  /** To every subscriber of another topic (Phoenix's `Endpoint.broadcast`). */
  publish(topic: string, event: string, payload: JsonValue): Promise<void>;
  readonly kv: ChannelKv;
}

/** One channel: the callbacks for topics matching `topic` (`*` matches any run of characters). */
export interface ChannelDefinition {
  readonly topic: string;
  /** Names the module in logs. @default the file it was loaded from, else the topic pattern */
  readonly name?: string;
  /** Runs after the built-in rules allowed the join. @default admit with an empty response */
  join?(topic: string, params: JsonObject, socket: ChannelSocket): JoinResult | Promise<JoinResult>;
  /** A client event. @default broadcast it to the topic (the sender too unless the frame says `self: false`) and reply ok */
  handleIn?(event: string, payload: JsonValue, socket: ChannelSocket): HandleInResult | Promise<HandleInResult>;
  /** After the subscription is gone: the client left, closed, or was found gone. */
  leave?(topic: string, socket: ChannelSocket, reason: LeaveReason): void | Promise<void>;
}

/** An identity helper that only gives a module its types. */
export function defineChannel(definition: ChannelDefinition): ChannelDefinition {
  return definition;
}
