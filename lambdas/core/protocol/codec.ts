/**
 * Decodes client frames (native objects, Phoenix V2 arrays, Pusher `{"event"}` objects) into
 * commands and encodes outbound messages into each format (Pusher's in core/pusher/codec.ts). Pure: no I/O, never throws on any input.
 */
import type { Limits } from '../config.js';
import { ProtocolError } from '../errors.js';
import { assertValidPushEvent, assertValidTopic, MAX_TOPIC_LENGTH } from '../topics.js';
import { ACTIONS, CHANNEL_EVENTS, PHOENIX_TOPIC, REASONS, type Action } from './constants.js';
import type { Command, JsonObject, OutboundMessage, ReplyContext, WireFormat } from './messages.js';
import { isPlainObject, jsonByteLength, parseUntrustedJson } from './safe-json.js';
import { decodePusherFrame, encodePusherFrames, isPusherFrame } from '../pusher/codec.js';

export type DecodeResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: ProtocolError; readonly context: ReplyContext };

type DecodeLimits = Pick<Limits, 'maxJsonDepth' | 'maxPayloadBytes'>;

const MAX_REF_LENGTH = 255;
const UNKNOWN_CONTEXT: ReplyContext = { format: 'native', topic: null, ref: null, joinRef: null };

export function decodeFrame(body: string | null | undefined, limits: DecodeLimits): DecodeResult {
  if (typeof body !== 'string' || body.length === 0) {
    return failure(UNKNOWN_CONTEXT, new ProtocolError(REASONS.invalidFrame, 'frame is empty'));
  }
  const parsed = parseUntrustedJson(body, limits.maxJsonDepth);
  if (!parsed.ok) {
    const format: WireFormat = body.trimStart().startsWith('[') ? 'phoenix' : 'native';
    return failure({ ...UNKNOWN_CONTEXT, format }, new ProtocolError(REASONS.invalidFrame, parsed.message));
  }
  if (Array.isArray(parsed.value)) return decodePhoenixFrame(parsed.value, limits);
  if (isPlainObject(parsed.value)) return isPusherFrame(parsed.value) ? decodePusherFrame(parsed.value, limits) : decodeNativeFrame(parsed.value, limits);
  return failure(UNKNOWN_CONTEXT, new ProtocolError(REASONS.invalidFrame, 'frame must be a JSON object or a Phoenix V2 array'));
}

function decodeNativeFrame(frame: JsonObject, limits: DecodeLimits): DecodeResult {
  let context: ReplyContext = { format: 'native', topic: echoableTopic(frame.topic), ref: null, joinRef: null };
  try {
    // Once the ref is known, every refusal echoes it, so the client can match the reply.
    context = { ...context, ref: readRef(frame.ref, 'ref') };
    const withRef = context;
    const { action } = frame;
    if (typeof action !== 'string') {
      return failure(withRef, new ProtocolError(REASONS.invalidFrame, `frame needs an "action": one of ${ACTIONS.join(', ')}`));
    }
    if (!(ACTIONS as readonly string[]).includes(action)) {
      return failure(withRef, new ProtocolError(REASONS.unknownAction, `unknown action "${truncate(action)}"; expected one of ${ACTIONS.join(', ')}`));
    }
    return { ok: true, command: nativeCommand(action as Action, frame, withRef, limits) };
  } catch (error) {
    return failure(context, asProtocolError(error));
  }
}

function nativeCommand(action: Action, frame: JsonObject, context: ReplyContext, limits: DecodeLimits): Command {
  if (action === 'ping') return { kind: 'heartbeat', ...context };
  assertValidTopic(frame.topic);
  const topic = frame.topic;
  if (action === 'leave') return { kind: 'leave', ...context, topic };
  const payload = frame.payload === undefined ? {} : frame.payload;
  assertPayloadSize(payload, limits);
  if (action === 'join') return { kind: 'join', ...context, topic, payload: asJoinPayload(payload) };
  assertValidPushEvent(frame.event);
  if (frame.self !== undefined && typeof frame.self !== 'boolean') {
    throw new ProtocolError(REASONS.invalidFrame, '"self" must be true or false');
  }
  return { kind: 'push', ...context, topic, event: frame.event, payload, self: frame.self !== false };
}

function decodePhoenixFrame(frame: unknown[], limits: DecodeLimits): DecodeResult {
  const context: ReplyContext = { format: 'phoenix', topic: echoableTopic(frame[2]), ref: null, joinRef: null };
  try {
    if (frame.length !== 5) {
      throw new ProtocolError(REASONS.invalidFrame, 'Phoenix V2 frames are [join_ref, ref, topic, event, payload]');
    }
    const [rawJoinRef, rawRef, topic, event, rawPayload] = frame;
    const withRefs: ReplyContext = { ...context, joinRef: readRef(rawJoinRef, 'join_ref'), ref: readRef(rawRef, 'ref') };
    try {
      return { ok: true, command: phoenixCommand(topic, event, rawPayload, withRefs, limits) };
    } catch (error) {
      return failure(withRefs, asProtocolError(error));
    }
  } catch (error) {
    return failure(context, asProtocolError(error));
  }
}

function phoenixCommand(topic: unknown, event: unknown, rawPayload: unknown, context: ReplyContext, limits: DecodeLimits): Command {
  if (event === CHANNEL_EVENTS.heartbeat && topic === PHOENIX_TOPIC) return { kind: 'heartbeat', ...context };
  assertValidTopic(topic);
  const payload = rawPayload === undefined || rawPayload === null ? {} : rawPayload;
  if (event === CHANNEL_EVENTS.leave) return { kind: 'leave', ...context, topic };
  assertPayloadSize(payload, limits);
  if (event === CHANNEL_EVENTS.join) return { kind: 'join', ...context, topic, payload: asJoinPayload(payload) };
  assertValidPushEvent(event);
  return { kind: 'push', ...context, topic, event, payload, self: true };
}

/**
 * The frames a message becomes for a client speaking `format`: one for native and Phoenix
 * clients; for Pusher clients none (a reply Pusher never sends), one, or one per member of a
 * presence diff.
 */
export function encodeFrames(message: OutboundMessage, format: WireFormat): string[] {
  return format === 'pusher' ? encodePusherFrames(message) : [encodeMessage(message, format)];
}

/** Serializes a message for a native or Phoenix client (Pusher clients: `encodeFrames`). */
export function encodeMessage(message: OutboundMessage, format: Exclude<WireFormat, 'pusher'>): string {
  if (format === 'phoenix') {
    // A broadcast has no ref of its own: its seq travels there, as a decimal string, so the
    // payload stays the sender's and the phoenix client hands it to `onMessage(event, payload, ref)`.
    const ref = message.seq === undefined ? message.ref : String(message.seq);
    return JSON.stringify([message.joinRef, ref, message.topic, message.event, message.payload]);
  }
  // Native replies always carry `ref` (null when the request had none); broadcasts never do.
  if (message.event === CHANNEL_EVENTS.reply) {
    return JSON.stringify({ topic: message.topic, event: message.event, ref: message.ref, payload: message.payload });
  }
  if (message.seq !== undefined) return JSON.stringify({ topic: message.topic, event: message.event, payload: message.payload, seq: message.seq });
  return JSON.stringify({ topic: message.topic, event: message.event, payload: message.payload });
}

function readRef(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length <= MAX_REF_LENGTH) return value;
  throw new ProtocolError(REASONS.invalidFrame, `"${name}" must be a string of at most ${MAX_REF_LENGTH} characters`);
}

function asJoinPayload(payload: unknown): JsonObject {
  if (!isPlainObject(payload)) throw new ProtocolError(REASONS.invalidFrame, 'join payload must be a JSON object');
  return payload;
}

function assertPayloadSize(payload: unknown, limits: DecodeLimits): void {
  const bytes = jsonByteLength(payload);
  if (bytes > limits.maxPayloadBytes) {
    throw new ProtocolError(REASONS.payloadTooLarge, `payload is ${bytes} bytes; the limit is ${limits.maxPayloadBytes}`);
  }
}

/** A topic is echoed in an error reply only when it is safe to show. */
function echoableTopic(topic: unknown): string | null {
  try {
    assertValidTopic(topic);
    return topic.length <= MAX_TOPIC_LENGTH ? topic : null;
  } catch {
    return null;
  }
}

function asProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  return new ProtocolError(REASONS.invalidFrame, 'frame could not be decoded', { cause: error });
}

function failure(context: ReplyContext, error: ProtocolError): DecodeResult {
  return { ok: false, error, context };
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
