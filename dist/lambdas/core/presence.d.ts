/**
 * Presence as pure functions of state, with Phoenix's shapes so the `phoenix` client's
 * `Presence` syncs unchanged:
 *   state: { "<key>": { metas: [{ ...meta, phx_ref }] } }
 *   diff:  { joins: <state>, leaves: <state> }
 */
import type { JsonObject } from './protocol/messages.js';
export type PresenceMeta = JsonObject & {
    readonly phx_ref: string;
};
export type PresenceState = Record<string, {
    metas: PresenceMeta[];
}>;
export interface PresenceDiff {
    joins: PresenceState;
    leaves: PresenceState;
}
/** One tracked join: a key (user or connection) and the meta of one connection. */
export interface PresenceEntry {
    readonly key: string;
    readonly meta: PresenceMeta;
}
export declare function buildMeta(userMeta: JsonObject, phxRef: string): PresenceMeta;
export declare function stateOf(entries: Iterable<PresenceEntry>): PresenceState;
export declare function diffOf(joins: Iterable<PresenceEntry>, leaves: Iterable<PresenceEntry>): PresenceDiff;
export declare function isEmptyDiff(diff: PresenceDiff): boolean;
/** Applies a diff to a state, as Phoenix's `Presence.syncDiff`, returning a new state. */
export declare function applyDiff(state: PresenceState, diff: PresenceDiff): PresenceState;
/** Replaces a state with a fresh one, as Phoenix's `Presence.syncState`: the diff that gets there. */
export declare function diffBetween(current: PresenceState, incoming: PresenceState): PresenceDiff;
