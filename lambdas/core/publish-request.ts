/**
 * Validation of server-side publishes (HTTP route and SDK). Everything is checked before
 * anything is sent, so a batch with one bad message delivers nothing. Pure: no I/O, and
 * refusals are ProtocolErrors with the same stable reasons clients get.
 */
import type { Limits } from './config.js';
import { ProtocolError } from './errors.js';
import { encodeMessage } from './protocol/codec.js';
import { PUBLISH_REASONS, REASONS } from './protocol/constants.js';
import { isPlainObject, parseUntrustedJson } from './protocol/safe-json.js';
import { assertValidPushEvent, assertValidTopic } from './topics.js';
import type { Broadcast } from './use-cases/publish.js';

/** Messages in one batch, as Pusher's batch trigger and DynamoDB's BatchWriteItem allow. */
export const MAX_PUBLISH_BATCH = 25;
/**
 * The Management API refuses posts over 128 KB (413), so that is the limit of an encoded
 * broadcast. Clients are held to `maxPayloadBytes` instead (their frames are capped at 32 KB).
 */
export const MAX_BROADCAST_BYTES = 128 * 1024;

const utf8 = new TextEncoder();

/** Checks one broadcast; `where` prefixes messages (`messages[3]: ...`). Throws ProtocolError. */
export function validateBroadcast(value: unknown, where = ''): Broadcast {
  const prefix = where ? `${where}: ` : '';
  try {
    if (!isPlainObject(value)) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'a message is a JSON object with "topic", "event" and "payload"');
    assertValidTopic(value.topic);
    // Server events follow the client rules: `phx_*` and `presence_*` would corrupt clients' channel and presence state.
    assertValidPushEvent(value.event);
    const broadcast: Broadcast = { topic: value.topic, event: value.event, payload: value.payload === undefined ? {} : value.payload };
    assertEncodable(broadcast);
    return broadcast;
  } catch (error) {
    if (error instanceof ProtocolError) throw new ProtocolError(error.reason, `${prefix}${error.message}`);
    throw error;
  }
}

/** Checks a batch: 1 to 25 messages, each valid. */
export function validateBroadcasts(values: readonly unknown[]): Broadcast[] {
  if (values.length === 0) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, '"messages" must hold at least one message');
  if (values.length > MAX_PUBLISH_BATCH) {
    throw new ProtocolError(PUBLISH_REASONS.tooManyMessages, `a batch holds at most ${MAX_PUBLISH_BATCH} messages, got ${values.length}`);
  }
  return values.map((value, index) => validateBroadcast(value, `messages[${index}]`));
}

/** A JSON object body, depth-limited as client frames are. */
export function parseJsonObject(body: string, limits: Pick<Limits, 'maxJsonDepth'>): Record<string, unknown> {
  if (body.trim().length === 0) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'the body is empty; send a JSON object');
  const parsed = parseUntrustedJson(body, limits.maxJsonDepth);
  if (!parsed.ok) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, `the body is refused: ${parsed.message}`);
  if (!isPlainObject(parsed.value)) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'the body must be a JSON object');
  return parsed.value;
}

function assertEncodable(broadcast: Broadcast): void {
  let largest = 0;
  try {
    const message = { ...broadcast, ref: null, joinRef: null };
    largest = Math.max(utf8.encode(encodeMessage(message, 'native')).length, utf8.encode(encodeMessage(message, 'phoenix')).length);
  } catch (error) {
    // The SDK takes JavaScript values: a BigInt or a cycle cannot become JSON.
    throw new ProtocolError(PUBLISH_REASONS.invalidRequest, `the payload cannot be serialized as JSON (${(error as Error).message})`);
  }
  if (largest > MAX_BROADCAST_BYTES) {
    throw new ProtocolError(REASONS.payloadTooLarge, `the encoded message is ${largest} bytes; the Management API takes at most ${MAX_BROADCAST_BYTES}`);
  }
}
