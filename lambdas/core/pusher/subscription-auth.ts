/**
 * What a Pusher subscribe must prove before it becomes a join, checked as Pusher checks it:
 * public channels need nothing; `private-` an `auth` signed over `socket_id:channel`;
 * `presence-` an `auth` signed over `socket_id:channel:channel_data`, where `channel_data`
 * names the member (`user_id`, optional `user_info`). The socket_id is the requesting
 * connection's, so an auth signed for another connection is refused.
 *
 * The presence member is the signed `user_id`: the join tracks it as its presence key, with
 * `{user_info}` as its meta, so Phoenix clients on the topic see Pusher members by user id,
 * and a user with several connections is one member with several metas (as in Phoenix).
 */
import { ProtocolError } from '../errors.js';
import { PUSHER_REASONS, REASONS } from '../protocol/constants.js';
import type { JoinCommand } from '../protocol/messages.js';
import { isPlainObject, parseUntrustedJson } from '../protocol/safe-json.js';
import { pusherChannelKind, type PusherApp } from './app.js';
import { verifyChannelAuth } from './channel-auth.js';
import { socketIdOf } from './socket-id.js';

/** Pusher refuses user ids over 128 characters. */
export const MAX_PUSHER_USER_ID_LENGTH = 128;
const MAX_CHANNEL_DATA_DEPTH = 16;

/** The join a Pusher subscribe becomes once its auth holds; throws `unauthorized` (or `invalid_frame`) otherwise. */
export function authorizePusherSubscription(app: PusherApp, connectionId: string, command: JoinCommand): JoinCommand {
  const { pusherAuth: _checked, ...join } = command;
  const kind = pusherChannelKind(command.topic);
  if (kind === 'public') return join;
  const socketId = socketIdOf(connectionId);
  const auth = command.pusherAuth?.auth;
  const channelData = command.pusherAuth?.channelData ?? null;
  if (kind === 'private') {
    assertSigned(verifyChannelAuth(app, socketId, command.topic, auth));
    return { ...join, pusherSigned: true };
  }
  if (kind !== 'presence') throw new ProtocolError(PUSHER_REASONS.unsupported, `${command.topic}: this channel kind is not supported`);
  if (channelData === null) throw new ProtocolError(REASONS.unauthorized, `subscribing to ${command.topic} needs "channel_data" ({"user_id", "user_info"}) signed by your auth endpoint`);
  assertSigned(verifyChannelAuth(app, socketId, command.topic, auth, channelData));
  const member = readMember(channelData);
  return { ...join, pusherSigned: true, presenceKey: member.userId, payload: { meta: { user_info: member.userInfo } } };
}

function assertSigned(result: ReturnType<typeof verifyChannelAuth>): void {
  if (!result.ok) throw new ProtocolError(REASONS.unauthorized, result.message);
}

function readMember(channelData: string): { userId: string; userInfo: unknown } {
  const parsed = parseUntrustedJson(channelData, MAX_CHANNEL_DATA_DEPTH);
  if (!parsed.ok || !isPlainObject(parsed.value)) throw new ProtocolError(REASONS.invalidFrame, '"channel_data" must be a JSON object with a "user_id"');
  const { user_id: rawId, user_info: userInfo } = parsed.value;
  const userId = typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : rawId;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_PUSHER_USER_ID_LENGTH) {
    throw new ProtocolError(REASONS.invalidFrame, `"channel_data.user_id" must be a string (or number) of 1 to ${MAX_PUSHER_USER_ID_LENGTH} characters`);
  }
  return { userId, userInfo: userInfo ?? null };
}
