/**
 * Validation of server-side publishes (HTTP route and SDK). Everything is checked before
 * anything is sent, so a batch with one bad message delivers nothing. Pure: no I/O, and
 * refusals are ProtocolErrors with the same stable reasons clients get.
 */
import type { Limits } from './config.js';
import type { Broadcast } from './use-cases/publish.js';
/** Messages in one batch, as Pusher's batch trigger and DynamoDB's BatchWriteItem allow. */
export declare const MAX_PUBLISH_BATCH = 25;
/**
 * The Management API refuses posts over 128 KB (413), so that is the limit of an encoded
 * broadcast. Clients are held to `maxPayloadBytes` instead (their frames are capped at 32 KB).
 */
export declare const MAX_BROADCAST_BYTES: number;
/** Checks one broadcast; `where` prefixes messages (`messages[3]: ...`). Throws ProtocolError. */
export declare function validateBroadcast(value: unknown, where?: string): Broadcast;
/** Checks a batch: 1 to 25 messages, each valid. */
export declare function validateBroadcasts(values: readonly unknown[]): Broadcast[];
/** An HTTP publish body: `{"topic","event","payload"}` or `{"messages":[...]}`. */
export declare function parsePublishBody(body: string, limits: Pick<Limits, 'maxJsonDepth'>): Broadcast[];
/** A JSON object body, depth-limited as client frames are. */
export declare function parseJsonObject(body: string, limits: Pick<Limits, 'maxJsonDepth'>): Record<string, unknown>;
