/**
 * The `socket` handed to channel code. Its effects go through the Broadcaster (so module
 * broadcasts reach every wire format and reap gone connections like any other), pushes
 * to the connection itself are collected and sent by the caller in order with the reply.
 */
import type { OutboundMessage } from '../protocol/messages.js';
import { jsonByteLength } from '../protocol/safe-json.js';
import { assertValidPushEvent, assertValidTopic } from '../topics.js';
import type { ChannelState } from '../ports.js';
import type { ChannelKv, ChannelSocket, JsonObject, JsonValue } from './definition.js';

export type SocketPhase = 'join' | 'handleIn' | 'leave';

/**
 * Sends a message to a topic's subscribers, but `exclude`, within the invocation's deadline
 * (epoch ms, when known): what cannot be posted in time goes to fan-out workers.
 */
export type TopicBroadcast = (topic: string, message: OutboundMessage, exclude: string | null, deadlineMs?: number) => Promise<void>;

export interface SocketContext {
  readonly phase: SocketPhase;
  readonly connectionId: string;
  readonly topic: string;
  readonly state: ChannelState;
  readonly broadcast: TopicBroadcast;
  readonly kv: ChannelKv;
  readonly maxAssignsBytes: number;
  /** When the invocation ends (epoch ms), if known. */
  readonly deadlineMs?: number | undefined;
}

export interface BoundSocket {
  readonly socket: ChannelSocket;
  /** Messages for this connection, in the order channel code pushed them. */
  readonly pushes: OutboundMessage[];
  /** The assigns as they stand (join may have changed them). */
  assigns(): JsonObject;
}

export function bindSocket(context: SocketContext): BoundSocket {
  let assigns: JsonObject = { ...context.state.assigns };
  const pushes: OutboundMessage[] = [];
  const { topic, connectionId } = context;
  const message = (to: string, event: string, payload: JsonValue): OutboundMessage => {
    assertValidPushEvent(event);
    return { topic: to, event, payload: checkedPayload(payload), ref: null, joinRef: null };
  };

  const socket: ChannelSocket = {
    connectionId,
    topic,
    user: context.state.user,
    get assigns() {
      return assigns;
    },
    assign(values) {
      if (context.phase !== 'join') throw new Error('socket.assign is only allowed in join: assigns are stored with the subscription when it is made');
      const next = { ...assigns, ...values };
      const bytes = jsonByteLength(next);
      if (bytes > context.maxAssignsBytes) throw new Error(`assigns would be ${bytes} bytes; the limit (limits.maxAssignsBytes) is ${context.maxAssignsBytes}`);
      assigns = next;
    },
    broadcast: (event, payload) => context.broadcast(topic, message(topic, event, payload), null, context.deadlineMs),
    broadcastFrom: (event, payload) => context.broadcast(topic, message(topic, event, payload), connectionId, context.deadlineMs),
    async push(event, payload) {
      const pushed = message(topic, event, payload);
      if (context.phase !== 'leave') pushes.push(pushed);
    },
    async publish(to, event, payload) {
      assertValidTopic(to);
      await context.broadcast(to, message(to, event, payload), null);
    },
    kv: context.kv,
  };
  return { socket, pushes, assigns: () => assigns };
}

function checkedPayload(payload: JsonValue | undefined): JsonValue {
  if (payload === undefined) return {};
  // JSON.stringify throws on BigInt and cycles: fail in the module's call, with its stack.
  try {
    jsonByteLength(payload);
  } catch (error) {
    throw new TypeError(`payload is not JSON: ${(error as Error).message}`);
  }
  return payload;
}
