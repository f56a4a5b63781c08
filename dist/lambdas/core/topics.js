import { RESERVED_EVENT_PREFIXES, REASONS } from './protocol/constants.js';
import { ProtocolError } from './errors.js';
export const MAX_TOPIC_LENGTH = 255;
export const MAX_EVENT_LENGTH = 64;
// C0 and C1 control characters: they corrupt logs and terminal output of other users.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
export function assertValidTopic(topic) {
    if (typeof topic !== 'string')
        throw new ProtocolError(REASONS.invalidTopic, 'topic must be a string');
    if (topic.length < 1 || topic.length > MAX_TOPIC_LENGTH) {
        throw new ProtocolError(REASONS.invalidTopic, `topic must be 1 to ${MAX_TOPIC_LENGTH} characters`);
    }
    if (CONTROL_CHARACTERS.test(topic))
        throw new ProtocolError(REASONS.invalidTopic, 'topic must not contain control characters');
}
/** Validates an event a client pushes; server-side events (`phx_*`, `presence_*`) are refused. */
export function assertValidPushEvent(event) {
    if (typeof event !== 'string')
        throw new ProtocolError(REASONS.invalidEvent, 'event must be a string');
    if (event.length < 1 || event.length > MAX_EVENT_LENGTH) {
        throw new ProtocolError(REASONS.invalidEvent, `event must be 1 to ${MAX_EVENT_LENGTH} characters`);
    }
    if (CONTROL_CHARACTERS.test(event))
        throw new ProtocolError(REASONS.invalidEvent, 'event must not contain control characters');
    if (isReservedEvent(event)) {
        throw new ProtocolError(REASONS.reservedEvent, `events starting with ${RESERVED_EVENT_PREFIXES.join(' or ')} are reserved for the server`);
    }
}
/** Events only the server may send (`phx_*`, `presence_*`). */
export function isReservedEvent(event) {
    return RESERVED_EVENT_PREFIXES.some((prefix) => event.startsWith(prefix));
}
/** FNV-1a: a stable, fast string hash so a connection always lands on the same shard. */
export function shardOf(connectionId, shards) {
    if (shards <= 1)
        return 0;
    let hash = 0x811c9dc5;
    for (let i = 0; i < connectionId.length; i += 1) {
        hash ^= connectionId.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193);
    }
    return (hash >>> 0) % shards;
}
