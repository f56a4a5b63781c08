/**
 * The phoenix client's V2 serializer, except for heartbeats: those go out as
 * `{"action":"heartbeat"}`, which API Gateway routes to the `heartbeat` route and answers
 * itself (a MOCK integration: no function runs). Its fixed reply carries no ref, so it is
 * handed to the phoenix client as the reply to the newest heartbeat still unanswered: any
 * answer proves the connection alive, and the newest is the one phoenix waits for
 * (`Socket.ping` uses heartbeats too, and gets its answer the same way).
 *
 * Text frames only: API Gateway closes a connection that sends a binary frame (1003).
 */

/** A message as the phoenix client hands it to `encode` and expects it from `decode`. */
export interface PhoenixMessage {
  readonly join_ref: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

/** Must match lambdas/core/protocol/heartbeat-route.ts (a test holds them together). */
export const HEARTBEAT_FRAME = '{"action":"heartbeat"}';

// Refs of heartbeats sent and not yet answered, oldest first; older ones fall off (a connection that
// was replaced never answers them).
const MAX_OUTSTANDING = 8;

export interface HeartbeatCodecHooks {
  /** A heartbeat frame is being sent (its ref). */
  readonly sent?: (ref: string) => void;
  /** The heartbeat with this ref got its answer. */
  readonly answered?: (ref: string) => void;
}

export interface HeartbeatCodec {
  encode(message: PhoenixMessage, callback: (frame: string) => void): void;
  decode(frame: unknown, callback: (message: PhoenixMessage) => void): void;
  /** Forgets unanswered heartbeats (a new connection answers none of the old one's). */
  reset(): void;
}

export function createHeartbeatCodec(hooks: HeartbeatCodecHooks = {}): HeartbeatCodec {
  const outstanding: string[] = [];
  return {
    encode(message, callback) {
      if (message.topic === 'phoenix' && message.event === 'heartbeat' && message.ref !== null) {
        outstanding.push(message.ref);
        if (outstanding.length > MAX_OUTSTANDING) outstanding.shift();
        hooks.sent?.(message.ref);
        callback(HEARTBEAT_FRAME);
        return;
      }
      if (message.payload instanceof ArrayBuffer) throw new Error('API Gateway refuses binary frames (it closes the connection with 1003): push JSON payloads');
      callback(JSON.stringify([message.join_ref, message.ref, message.topic, message.event, message.payload]));
    },
    decode(frame, callback) {
      if (typeof frame !== 'string') throw new Error('topicast sends text frames only');
      if (frame.startsWith('[')) {
        const [join_ref, ref, topic, event, payload] = JSON.parse(frame) as [string | null, string | null, string, string, unknown];
        callback({ join_ref, ref, topic, event, payload });
        return;
      }
      // An object: the heartbeat route's reply, or API Gateway's own error frame
      // ({"message":"Internal server error",...}), which no phoenix callback expects.
      const parsed = JSON.parse(frame) as { event?: unknown; ref?: unknown; topic?: unknown };
      if (parsed.event !== 'phx_reply' || parsed.ref !== null || parsed.topic !== null) return;
      const ref = outstanding.pop() ?? null;
      if (ref !== null) hooks.answered?.(ref);
      callback({ join_ref: null, ref, topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } });
    },
    reset() {
      outstanding.length = 0;
    },
  };
}
