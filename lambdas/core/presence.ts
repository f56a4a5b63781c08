/**
 * Presence as pure functions of state, with Phoenix's shapes so the `phoenix` client's
 * `Presence` syncs unchanged:
 *   state: { "<key>": { metas: [{ ...meta, phx_ref }] } }
 *   diff:  { joins: <state>, leaves: <state> }
 */
import type { JsonObject } from './protocol/messages.js';

export type PresenceMeta = JsonObject & { readonly phx_ref: string };
export type PresenceState = Record<string, { metas: PresenceMeta[] }>;
export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

/** One tracked join: a key (user or connection) and the meta of one connection. */
export interface PresenceEntry {
  readonly key: string;
  readonly meta: PresenceMeta;
}

export function buildMeta(userMeta: JsonObject, phxRef: string): PresenceMeta {
  // Spread defines own properties, so a "__proto__" key in user input cannot reach a prototype.
  return { ...userMeta, phx_ref: phxRef };
}

export function stateOf(entries: Iterable<PresenceEntry>): PresenceState {
  const state: PresenceState = Object.create(null) as PresenceState;
  for (const { key, meta } of entries) {
    const existing = state[key];
    if (existing) existing.metas.push(meta);
    else state[key] = { metas: [meta] };
  }
  return state;
}

export function diffOf(joins: Iterable<PresenceEntry>, leaves: Iterable<PresenceEntry>): PresenceDiff {
  return { joins: stateOf(joins), leaves: stateOf(leaves) };
}

export function isEmptyDiff(diff: PresenceDiff): boolean {
  return Object.keys(diff.joins).length === 0 && Object.keys(diff.leaves).length === 0;
}

/** Applies a diff to a state, as Phoenix's `Presence.syncDiff`, returning a new state. */
export function applyDiff(state: PresenceState, diff: PresenceDiff): PresenceState {
  const next: PresenceState = Object.create(null) as PresenceState;
  for (const [key, { metas }] of Object.entries(state)) next[key] = { metas: [...metas] };
  for (const [key, { metas }] of Object.entries(diff.joins)) {
    const current = next[key]?.metas ?? [];
    const joinedRefs = new Set(metas.map((meta) => meta.phx_ref));
    next[key] = { metas: [...current.filter((meta) => !joinedRefs.has(meta.phx_ref)), ...metas] };
  }
  for (const [key, { metas }] of Object.entries(diff.leaves)) {
    const current = next[key];
    if (!current) continue;
    const leftRefs = new Set(metas.map((meta) => meta.phx_ref));
    const remaining = current.metas.filter((meta) => !leftRefs.has(meta.phx_ref));
    if (remaining.length === 0) delete next[key];
    else next[key] = { metas: remaining };
  }
  return next;
}

/** Replaces a state with a fresh one, as Phoenix's `Presence.syncState`: the diff that gets there. */
export function diffBetween(current: PresenceState, incoming: PresenceState): PresenceDiff {
  const joins: PresenceEntry[] = [];
  const leaves: PresenceEntry[] = [];
  for (const [key, { metas }] of Object.entries(incoming)) {
    const knownRefs = new Set((current[key]?.metas ?? []).map((meta) => meta.phx_ref));
    for (const meta of metas) if (!knownRefs.has(meta.phx_ref)) joins.push({ key, meta });
  }
  for (const [key, { metas }] of Object.entries(current)) {
    const incomingRefs = new Set((incoming[key]?.metas ?? []).map((meta) => meta.phx_ref));
    for (const meta of metas) if (!incomingRefs.has(meta.phx_ref)) leaves.push({ key, meta });
  }
  return diffOf(joins, leaves);
}

/**
 * Folds a window's diffs, in order, into one, so that a member applying it (Phoenix's
 * `Presence.syncDiff`) ends in the state it would reach by applying each diff in turn.
 * Within one diff, joins come before leaves, as `syncDiff` applies them.
 *
 * Per phx_ref the last event wins. A join followed by a leave of the same phx_ref cancels
 * the join; the leave is kept, because a member that joined inside the window holds that
 * join in its `presence_state` and must still see it go. For every other member a leave of
 * a phx_ref it never had changes nothing, so the final state is the same from any state
 * the member may hold at any point of the window.
 */
export function mergeDiffs(diffs: Iterable<PresenceDiff>): PresenceDiff {
  // Map insertion order keeps each phx_ref where it first appeared, so metas keep their order.
  const last = new Map<string, { kind: 'join' | 'leave'; entry: PresenceEntry }>();
  const record = (kind: 'join' | 'leave', state: PresenceState) => {
    for (const [key, { metas }] of Object.entries(state)) {
      for (const meta of metas) {
        last.set(refId(key, meta.phx_ref), { kind, entry: { key, meta } });
      }
    }
  };
  for (const diff of diffs) {
    record('join', diff.joins);
    record('leave', diff.leaves);
  }
  const joins: PresenceEntry[] = [];
  const leaves: PresenceEntry[] = [];
  for (const { kind, entry } of last.values()) (kind === 'join' ? joins : leaves).push(entry);
  return diffOf(joins, leaves);
}

// phx_refs are unique per join, but a key is part of the identity Phoenix matches on.
function refId(key: string, phxRef: string): string {
  return `${key.length}:${key}${phxRef}`;
}
