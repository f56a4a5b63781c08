/**
 * `topicast/channel`: the types of a channel module and `defineChannel`, an identity
 * helper. Importing this is optional; a module may export a plain object of the same shape.
 */
export {
  defineChannel,
  type ChannelDefinition,
  type ChannelErrorResponse,
  type ChannelKv,
  type ChannelSocket,
  type ChannelUser,
  type HandleInResult,
  type JoinResult,
  type JsonObject,
  type JsonValue,
  type LeaveReason,
} from '../lambdas/core/channels/definition.js';
