/**
 * What the Pusher HTTP API accepts, checked before anything is sent (a refused trigger or
 * batch delivers nothing), with Pusher's limits where topicast can keep them and Pusher's
 * status codes for each refusal. Pure: bodies in, broadcasts out.
 *
 * A Pusher channel `X` is the topicast topic `X`, and a trigger's `data` (a string, as the
 * SDKs send it) becomes the broadcast's payload: the JSON value it holds when it holds one,
 * so Phoenix subscribers of `X` receive an object as a Phoenix payload; else the string
 * itself. Pusher subscribers get it back as `data`, re-encoded (core/pusher/codec.ts).
 */
import type { Limits } from '../config.js';
import { parseUntrustedJson, isPlainObject } from '../protocol/safe-json.js';
import { RESERVED_EVENT_PREFIXES } from '../protocol/constants.js';
import type { Broadcast } from '../use-cases/publish.js';
import { CACHE_CHANNELS_REFUSED, isPusherCacheChannel, pusherChannelKind } from './app.js';

/** Pusher's own limits (pusher.com/docs/channels/library_auth_reference/rest-api), kept as they are. */
export const PUSHER_HTTP_LIMITS = {
  /** Channels one trigger may name. */
  channelsPerTrigger: 100,
  /** Events in one `/batch_events` call. */
  eventsPerBatch: 10,
  /** Channel name length: Pusher's documented 164 characters. */
  channelNameLength: 164,
  /** Event name length. */
  eventNameLength: 200,
  /**
   * `data` of one event, in UTF-8 bytes: Pusher's default 10 KB. topicast could carry up to
   * 128 KB (the Management API's limit), but an app written against Pusher expects this
   * refusal, and every subscriber pays for the bytes: kept at Pusher's default.
   */
  dataBytes: 10 * 1024,
  /** A body large enough for a full batch of maximal events with their JSON around them. */
  bodyBytes: 256 * 1024,
} as const;

/** Pusher's channel alphabet. */
const CHANNEL_NAME = /^[A-Za-z0-9_\-=@,.;]+$/;
// Events only the Pusher server sends: a client would take them for protocol frames.
const PUSHER_RESERVED_EVENT_PREFIXES = ['pusher:', 'pusher_internal:'] as const;
const SOCKET_ID = /^\d+\.\d+$/;
const utf8 = new TextEncoder();

/** A refusal: its HTTP status (Pusher's), a stable reason and a message for humans. */
export class PusherHttpError extends Error {
  public override readonly name = 'PusherHttpError';
  public constructor(
    public readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 501,
    public readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const PUSHER_HTTP_REASONS = {
  invalidRequest: 'invalid_request',
  invalidChannel: 'invalid_channel',
  invalidEvent: 'invalid_event',
  reservedEvent: 'reserved_event',
  tooManyChannels: 'too_many_channels',
  tooManyEvents: 'too_many_events',
  payloadTooLarge: 'payload_too_large',
  invalidSocketId: 'invalid_socket_id',
  unsupported: 'unsupported',
  notPresenceChannel: 'not_presence_channel',
  invalidInfo: 'invalid_info',
} as const;

const R = PUSHER_HTTP_REASONS;

/** One event as triggered: the broadcasts it makes (one per channel), whom to leave out, and what to answer. */
export interface PusherTrigger {
  readonly broadcasts: readonly Broadcast[];
  /** The `socket_id` to exclude, as given (`\d+\.\d+`). */
  readonly socketId: string | null;
  readonly info: readonly ChannelAttribute[];
}

export type ChannelAttribute = 'subscription_count' | 'user_count';

type JsonLimits = Pick<Limits, 'maxJsonDepth'>;

export function assertPusherChannel(channel: unknown, where = 'channel'): asserts channel is string {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > PUSHER_HTTP_LIMITS.channelNameLength || !CHANNEL_NAME.test(channel)) {
    const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 40)) : typeof channel;
    if (typeof channel === 'string' && channel.startsWith('#server-to-user-')) {
      throw new PusherHttpError(400, R.unsupported, 'sendToUser (#server-to-user- channels) is not supported: topicast has no pusher:signin; publish to a private- or presence- channel of the user instead');
    }
    throw new PusherHttpError(400, R.invalidChannel, `${where} ${shown} is not a channel name: 1 to ${PUSHER_HTTP_LIMITS.channelNameLength} characters of A-Z a-z 0-9 _ - = @ , . ;`);
  }
  if (isPusherCacheChannel(channel)) throw new PusherHttpError(400, R.unsupported, `${where} ${channel}: ${CACHE_CHANNELS_REFUSED}`);
  if (pusherChannelKind(channel) === 'private-encrypted') {
    throw new PusherHttpError(400, R.unsupported, `${where} ${channel}: private-encrypted- channels are not supported (docs/pusher.md); use a private- channel`);
  }
}

/** The body of `POST /apps/{id}/events`. */
export function parseTrigger(body: string, limits: JsonLimits): PusherTrigger {
  return triggerOf(parseObject(body, limits), limits, '');
}

/** The body of `POST /apps/{id}/batch_events`: `{"batch":[{name, channel, data, socket_id?, info?}]}`. */
export function parseBatch(body: string, limits: JsonLimits): PusherTrigger[] {
  const parsed = parseObject(body, limits);
  if (!Array.isArray(parsed.batch)) throw new PusherHttpError(400, R.invalidRequest, 'the body must be {"batch": [events]}');
  if (parsed.batch.length === 0) throw new PusherHttpError(400, R.invalidRequest, '"batch" must hold at least one event');
  if (parsed.batch.length > PUSHER_HTTP_LIMITS.eventsPerBatch) {
    throw new PusherHttpError(400, R.tooManyEvents, `a batch holds at most ${PUSHER_HTTP_LIMITS.eventsPerBatch} events, got ${parsed.batch.length}`);
  }
  return parsed.batch.map((event, index) => {
    if (!isPlainObject(event)) throw new PusherHttpError(400, R.invalidRequest, `batch[${index}] must be an object`);
    if (typeof event.channel !== 'string') throw new PusherHttpError(400, R.invalidChannel, `batch[${index}]: "channel" must be a string`);
    return triggerOf({ ...event, channels: [event.channel], channel: undefined }, limits, `batch[${index}]: `);
  });
}

/** `info=subscription_count,user_count` of a channel read or a trigger. */
export function parseInfo(info: string | undefined, channel: string | null): ChannelAttribute[] {
  if (info === undefined || info === '') return [];
  const attributes = info.split(',').map((attribute) => attribute.trim());
  for (const attribute of attributes) {
    if (attribute !== 'subscription_count' && attribute !== 'user_count') {
      throw new PusherHttpError(400, R.invalidInfo, `info may name subscription_count and user_count, not ${JSON.stringify(attribute)}`);
    }
    if (attribute === 'user_count' && channel !== null && pusherChannelKind(channel) !== 'presence') {
      throw new PusherHttpError(400, R.invalidInfo, `user_count is only for presence- channels, not ${channel}`);
    }
  }
  return [...new Set(attributes)] as ChannelAttribute[];
}

/** What `GET /channels` lists: channels starting with `filter_by_prefix`, and whether to count their users. */
export interface ChannelListing {
  readonly prefix: string;
  readonly withUserCount: boolean;
}

/**
 * `GET /channels?filter_by_prefix=..&info=..`: `info` may only name `user_count`, and only
 * when the prefix limits the listing to presence channels (Pusher answers 400 otherwise).
 */
export function parseChannelListing(prefix: string | undefined, info: string | undefined): ChannelListing {
  const filter = prefix ?? '';
  if (filter.length > PUSHER_HTTP_LIMITS.channelNameLength) {
    throw new PusherHttpError(400, R.invalidRequest, `filter_by_prefix is longer than a channel name (${PUSHER_HTTP_LIMITS.channelNameLength} characters)`);
  }
  const attributes = info === undefined || info === '' ? [] : [...new Set(info.split(',').map((attribute) => attribute.trim()))];
  for (const attribute of attributes) {
    if (attribute !== 'user_count') throw new PusherHttpError(400, R.invalidInfo, `info may only name user_count when listing channels, not ${JSON.stringify(attribute)}`);
    if (!filter.startsWith('presence-')) throw new PusherHttpError(400, R.invalidInfo, 'info=user_count needs filter_by_prefix=presence- (only presence channels have users)');
  }
  return { prefix: filter, withUserCount: attributes.length > 0 };
}

function triggerOf(event: Record<string, unknown>, limits: JsonLimits, where: string): PusherTrigger {
  const { name, data } = event;
  if (typeof name !== 'string' || name.length === 0 || name.length > PUSHER_HTTP_LIMITS.eventNameLength) {
    throw new PusherHttpError(400, R.invalidEvent, `${where}"name" must be an event name of 1 to ${PUSHER_HTTP_LIMITS.eventNameLength} characters`);
  }
  if ([...PUSHER_RESERVED_EVENT_PREFIXES, ...RESERVED_EVENT_PREFIXES].some((prefix) => name.startsWith(prefix))) {
    throw new PusherHttpError(400, R.reservedEvent, `${where}events starting with ${[...PUSHER_RESERVED_EVENT_PREFIXES, ...RESERVED_EVENT_PREFIXES].join(', ')} are the server's own`);
  }
  if (typeof data !== 'string') throw new PusherHttpError(400, R.invalidRequest, `${where}"data" must be a string (the SDKs JSON-encode objects into it)`);
  const bytes = utf8.encode(data).length;
  if (bytes > PUSHER_HTTP_LIMITS.dataBytes) {
    throw new PusherHttpError(413, R.payloadTooLarge, `${where}"data" is ${bytes} bytes; an event carries at most ${PUSHER_HTTP_LIMITS.dataBytes} (Pusher's limit)`);
  }
  const channels = event.channels !== undefined ? event.channels : event.channel !== undefined ? [event.channel] : undefined;
  if (!Array.isArray(channels) || channels.length === 0) throw new PusherHttpError(400, R.invalidChannel, `${where}name the channels: "channels": [..] or "channel"`);
  if (channels.length > PUSHER_HTTP_LIMITS.channelsPerTrigger) {
    throw new PusherHttpError(400, R.tooManyChannels, `${where}an event goes to at most ${PUSHER_HTTP_LIMITS.channelsPerTrigger} channels, got ${channels.length}`);
  }
  channels.forEach((channel, index) => assertPusherChannel(channel, `${where}channels[${index}]`));
  const socketId = event.socket_id;
  if (socketId !== undefined && (typeof socketId !== 'string' || !SOCKET_ID.test(socketId))) {
    throw new PusherHttpError(400, R.invalidSocketId, `${where}"socket_id" must look like "123.456"`);
  }
  const info = event.info === undefined ? [] : typeof event.info === 'string' ? parseInfo(event.info, null) : invalidInfo(where);
  const payload = payloadOf(data, limits);
  const unique = [...new Set(channels as string[])];
  return { broadcasts: unique.map((topic) => ({ topic, event: name, payload })), socketId: (socketId as string | undefined) ?? null, info };
}

function invalidInfo(where: string): never {
  throw new PusherHttpError(400, R.invalidInfo, `${where}"info" must be a comma-separated string`);
}

/** The JSON value `data` holds, or the string itself when it holds none. */
export function payloadOf(data: string, limits: JsonLimits): unknown {
  if (data.length === 0) return data;
  const parsed = parseUntrustedJson(data, limits.maxJsonDepth);
  return parsed.ok ? parsed.value : data;
}

function parseObject(body: string, limits: JsonLimits): Record<string, unknown> {
  if (body.trim().length === 0) throw new PusherHttpError(400, R.invalidRequest, 'the body is empty; send a JSON object');
  const parsed = parseUntrustedJson(body, limits.maxJsonDepth);
  if (!parsed.ok) throw new PusherHttpError(400, R.invalidRequest, `the body is refused: ${parsed.message}`);
  if (!isPlainObject(parsed.value)) throw new PusherHttpError(400, R.invalidRequest, 'the body must be a JSON object');
  return parsed.value;
}
