/**
 * A private inbox, `user:<sub>`: only that user may join (topicast's built-in rule), so
 * this module needs no join check of its own. The join response carries the messages
 * received while away (up to 50, kept a week); `send` delivers a direct message to
 * another user's inbox, live if they are joined and kept for later either way; `clear`
 * empties one's own inbox.
 */
import { defineChannel, type JsonValue } from 'topicast/channel';

const KEEP = 50;
const TTL_SECONDS = 7 * 24 * 60 * 60;
const MAX_LENGTH = 500;

const inboxKey = (sub: string) => `chat:inbox:${sub}`;

export default defineChannel({
  topic: 'user:*',

  async join(_topic, _params, socket) {
    // The built-in rule already refused everyone but the owner; socket.user is set.
    return { ok: { messages: await socket.kv.list(inboxKey(socket.user?.sub ?? '')) } };
  },

  async handleIn(event, payload, socket) {
    const from = socket.user?.sub ?? '';
    if (event === 'clear') {
      await socket.kv.delete(inboxKey(from));
      return { reply: { ok: {} } };
    }
    if (event !== 'send') return { reply: { error: { reason: 'unknown_event' } } };
    const { to, body } = (typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {}) as Record<string, JsonValue>;
    if (typeof to !== 'string' || to.length === 0 || to.includes(':')) return { reply: { error: { reason: 'invalid_recipient' } } };
    if (typeof body !== 'string' || body.trim().length === 0 || body.length > MAX_LENGTH) return { reply: { error: { reason: 'invalid_message', max: MAX_LENGTH } } };
    const message = { from, body, at: new Date().toISOString() };
    await Promise.all([socket.kv.append(inboxKey(to), message, { keep: KEEP, ttlSeconds: TTL_SECONDS }), socket.publish(`user:${to}`, 'dm', message)]);
    return { reply: { ok: { at: message.at } } };
  },
});
