/**
 * A chat room, `room:<name>`, written as a channel module:
 *   npm start -- --channel examples/chat/room.ts --channel examples/chat/inbox.ts
 * Joining needs a name (the token's `sub` when there is one); the join response carries
 * the last 50 messages. `shout` refuses empty and over-long messages, stamps the sender
 * and the server time, keeps the message and broadcasts it.
 */
import { defineChannel, type JsonValue } from 'topicast/channel';

export const MAX_MESSAGE_LENGTH = 500;
export const HISTORY_LENGTH = 50;
const HISTORY_TTL_SECONDS = 7 * 24 * 60 * 60;
const MAX_NAME_LENGTH = 40;

export interface ChatMessage {
  readonly from: string;
  readonly body: string;
  readonly at: string;
  [key: string]: JsonValue;
}

const historyKey = (topic: string) => `chat:history:${topic}`;

export default defineChannel({
  topic: 'room:*',

  async join(topic, params, socket) {
    const name = socket.user?.sub ?? (typeof params.name === 'string' ? params.name.trim() : '');
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      return { error: { reason: 'name_required', message: `join with a name of 1 to ${MAX_NAME_LENGTH} characters` } };
    }
    socket.assign({ name });
    return { ok: { history: await socket.kv.list<ChatMessage>(historyKey(topic)) } };
  },

  async handleIn(event, payload, socket) {
    if (event !== 'shout') return { reply: { error: { reason: 'unknown_event', message: `this room understands shout, not ${event}` } } };
    const body = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload.body : undefined;
    if (typeof body !== 'string' || body.trim().length === 0) return { reply: { error: { reason: 'empty_message' } } };
    if (body.length > MAX_MESSAGE_LENGTH) return { reply: { error: { reason: 'message_too_long', max: MAX_MESSAGE_LENGTH } } };
    const message: ChatMessage = { from: String(socket.assigns.name), body, at: new Date().toISOString() };
    // Independent writes: keeping and broadcasting together cost one round trip, not two.
    await Promise.all([
      socket.kv.append(historyKey(socket.topic), message, { keep: HISTORY_LENGTH, ttlSeconds: HISTORY_TTL_SECONDS }),
      socket.broadcast('shout', message),
    ]);
    return { reply: { ok: { at: message.at } } };
  },
});
