/**
 * Shapes of what clients receive, for readable assertions on recorded deliveries.
 */
import { expect } from 'vitest';

/** A native server-to-client message. */
export interface NativeMessage {
  readonly topic: string | null;
  readonly event: string;
  readonly payload: unknown;
  readonly ref?: string | null;
  /** A broadcast's seq on a topic with history on. */
  readonly seq?: number;
}

/** A Phoenix V2 message: [join_ref, ref, topic, event, payload]. */
export type PhoenixMessage = [string | null, string | null, string | null, string, unknown];

export interface PresencePayload {
  readonly [key: string]: { readonly metas: readonly ({ readonly phx_ref: string } & Record<string, unknown>)[] };
}

export interface PresenceDiffPayload {
  readonly joins: PresencePayload;
  readonly leaves: PresencePayload;
}

export const asNative = (messages: readonly unknown[]): NativeMessage[] => messages as NativeMessage[];
export const asPhoenix = (messages: readonly unknown[]): PhoenixMessage[] => messages as PhoenixMessage[];

/** Native messages of one event. */
export function eventsNamed(messages: readonly unknown[], event: string): NativeMessage[] {
  return asNative(messages).filter((message) => message.event === event);
}

export function okReplyFor(topic: string | null, ref: string | null, response: Record<string, unknown> = {}): NativeMessage {
  return { topic, event: 'phx_reply', ref, payload: { status: 'ok', response } };
}

/** Matches an error reply with the given reason (the message is for humans). */
export function errorReplyFor(topic: string | null, ref: string | null, reason: string): NativeMessage {
  return { topic, event: 'phx_reply', ref, payload: { status: 'error', response: { reason, message: expect.any(String) } } };
}
