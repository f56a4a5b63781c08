/**
 * Presence frames that fit API Gateway's 128 KB message limit. A topic's presence grows
 * with its members (about 130 members with 1 KB metas fill 128 KB), and a post over the
 * limit is refused with 413 and lost. So presence is split by encoded size:
 *
 * - a joiner's state becomes a first `presence_state`, then `presence_diff`s whose
 *   `joins` carry the rest. The `phoenix` client applies diffs that arrive after the state
 *   in order (Presence.syncDiff), and one key's metas may be spread over several joins:
 *   syncDiff keeps the metas it already has;
 * - a diff with many joins or leaves (a reap, a mass disconnect) becomes several diffs:
 *   joins first, then leaves, as syncDiff applies them within one diff.
 *
 * Sizes are measured on the encoded frame of each wire format, envelope included.
 * Pure functions; the only I/O is the caller's.
 */
import { stateOf, type PresenceDiff, type PresenceEntry, type PresenceMeta, type PresenceState } from './presence.js';
import { encodeMessage } from './protocol/codec.js';
import { API_GATEWAY_LIMITS } from './api-gateway-limits.js';
import { PRESENCE_EVENTS } from './protocol/constants.js';
import type { OutboundMessage, WireFormat } from './protocol/messages.js';
import { jsonByteLength, utf8ByteLength } from './protocol/safe-json.js';

const FORMATS: readonly Exclude<WireFormat, 'pusher'>[] = ['native', 'phoenix'];

/**
 * Room kept in a broadcast presence frame for the receiving subscription's join_ref, which
 * Phoenix frames carry and which differs per subscriber: the codec accepts refs of up to
 * 255 characters, and JSON escapes a character in at most 6 bytes.
 */
export const JOIN_REF_RESERVE_BYTES = 255 * 6 + 2;

// `"key":{"metas":[` and `]}` around one key's metas.
const KEY_OVERHEAD_BYTES = ':{"metas":['.length + ']}'.length;

/**
 * The presence a joiner receives: a `presence_state`, then as many `presence_diff` joins
 * as needed, each encoded frame (in `format`, with `joinRef`) at most `maxBytes`.
 * Always starts with a `presence_state`, even an empty one.
 */
export function presenceStateFrames(
  topic: string,
  entries: readonly PresenceEntry[],
  joinRef: string | null,
  format: WireFormat,
  maxBytes: number = API_GATEWAY_LIMITS.messageBytes,
): OutboundMessage[] {
  // A Pusher frame carries its data as a JSON string, where escaping can double the bytes:
  // its members are packed by their native size into half the budget.
  const sized = format === 'pusher' ? 'native' : format;
  const budget = format === 'pusher' ? Math.floor(maxBytes / 2) : maxBytes;
  const stateEnvelope = utf8ByteLength(encodeMessage(presenceMessage(topic, PRESENCE_EVENTS.state, {}, joinRef), sized)) - '{}'.length;
  const diffEnvelope = utf8ByteLength(encodeMessage(presenceMessage(topic, PRESENCE_EVENTS.diff, { joins: {}, leaves: {} }, joinRef), sized)) - '{}'.length;
  // A member's rejoin that took its held presence over shares its phx_ref with the held row until that goes.
  const seen = new Set<string>();
  const unique = entries.filter(({ meta }) => !seen.has(meta.phx_ref) && seen.add(meta.phx_ref) !== undefined);
  const [first = [], ...rest] = packEntries(unique, budget - stateEnvelope, budget - diffEnvelope);
  return [
    presenceMessage(topic, PRESENCE_EVENTS.state, stateOf(first), joinRef),
    ...rest.map((group) => presenceMessage(topic, PRESENCE_EVENTS.diff, { joins: stateOf(group), leaves: stateOf([]) }, joinRef)),
  ];
}

/**
 * A presence diff for many subscribers, split so every frame fits `maxBytes` in either
 * wire format with any subscriber's join_ref. One message when it already fits.
 */
export function presenceDiffFrames(topic: string, diff: PresenceDiff, maxBytes: number = API_GATEWAY_LIMITS.messageBytes): OutboundMessage[] {
  const whole = presenceMessage(topic, PRESENCE_EVENTS.diff, diff, null);
  if (largestEncoding(whole) + JOIN_REF_RESERVE_BYTES <= maxBytes) return [whole];
  const envelope = largestEncoding(presenceMessage(topic, PRESENCE_EVENTS.diff, { joins: {}, leaves: {} }, null)) - '{}'.length + JOIN_REF_RESERVE_BYTES;
  const budget = maxBytes - envelope;
  const joins = packEntries(entriesOf(diff.joins), budget, budget).map((group) => ({ joins: stateOf(group), leaves: stateOf([]) }));
  const leaves = packEntries(entriesOf(diff.leaves), budget, budget).map((group) => ({ joins: stateOf([]), leaves: stateOf(group) }));
  return [...joins, ...leaves].map((payload) => presenceMessage(topic, PRESENCE_EVENTS.diff, payload, null));
}

/** Size in bytes of the larger of a message's native and Phoenix encodings. */
export function largestEncoding(message: OutboundMessage): number {
  return Math.max(...FORMATS.map((format) => utf8ByteLength(encodeMessage(message, format))));
}

export function entriesOf(state: PresenceState): PresenceEntry[] {
  return Object.entries(state).flatMap(([key, { metas }]) => metas.map((meta: PresenceMeta) => ({ key, meta })));
}

/**
 * Greedy packing of entries into groups whose serialized `stateOf(group)` fits: the first
 * group within `firstBudget` bytes, the others within `budget`. Exact, not estimated:
 * a state serializes as `{` keys joined by `,` `}`, each key as `"key":{"metas":[m1,m2]}`.
 * An entry too large for any frame travels alone (its post fails and is logged).
 */
function packEntries(entries: readonly PresenceEntry[], firstBudget: number, budget: number): PresenceEntry[][] {
  const groups: PresenceEntry[][] = [];
  let group: PresenceEntry[] = [];
  let keys = new Set<string>();
  let size = '{}'.length;
  for (const entry of entries) {
    const metaBytes = jsonByteLength(entry.meta);
    const newKeyBytes = jsonByteLength(entry.key) + KEY_OVERHEAD_BYTES + metaBytes;
    const added = keys.has(entry.key) ? ','.length + metaBytes : (keys.size > 0 ? ','.length : 0) + newKeyBytes;
    if (group.length > 0 && size + added > (groups.length === 0 ? firstBudget : budget)) {
      groups.push(group);
      group = [];
      keys = new Set<string>();
      size = '{}'.length + newKeyBytes;
    } else {
      size += added;
    }
    group.push(entry);
    keys.add(entry.key);
  }
  if (group.length > 0 || groups.length === 0) groups.push(group);
  return groups;
}

function presenceMessage(topic: string, event: string, payload: unknown, joinRef: string | null): OutboundMessage {
  return { topic, event, payload, ref: null, joinRef };
}
