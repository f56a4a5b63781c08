/**
 * Presence changes as a table's change stream reports them: one record per write to a
 * topic-side subscription item, in the order they happened to that item. Pure: the
 * DynamoDB Streams adapter (and the local stream emulator, through the same adapter)
 * turns records into these.
 */
import { diffOf, mergeDiffs, type PresenceDiff, type PresenceEntry } from './presence.js';

export interface TopicItemChange {
  readonly topic: string;
  readonly connectionId: string;
  /** The item's presence before the write (null: none, or the item did not exist). */
  readonly before: PresenceEntry | null;
  /** The item's presence after the write (null: none, or the item was deleted). */
  readonly after: PresenceEntry | null;
  /** The named member's tag of the item after the write (presence-grace.ts). */
  readonly member?: string;
  /** Deleted by DynamoDB's TTL: the connection vanished without a `$disconnect`. */
  readonly expired: boolean;
  /** The stream's sequence number: where a retry starts. */
  readonly sequenceNumber: string;
}

export interface TopicPresenceChanges {
  readonly topic: string;
  /** The topic's changes as one diff (mergeDiffs). */
  readonly diff: PresenceDiff;
  /** The earliest record of the topic: a failed announcement is retried from there. */
  readonly firstSequenceNumber: string;
  readonly records: number;
  /** The rows of the diff's joins (a worker that delivers them late checks them again). */
  readonly joinedRows: readonly { readonly connectionId: string; readonly key: string; readonly meta: PresenceEntry['meta']; readonly member?: string }[];
}

/** What one write did to presence: a join, a leave, or both (a rejoin replaced the meta). */
export function diffOfChange({ before, after }: TopicItemChange): PresenceDiff {
  // A rewrite that kept the meta (same phx_ref) changed nothing anyone sees.
  if (before && after && before.key === after.key && before.meta.phx_ref === after.meta.phx_ref) return diffOf([], []);
  return diffOf(after ? [after] : [], before ? [before] : []);
}

/** Groups changes per topic, in stream order, each topic's folded into one diff. */
export function presenceChangesByTopic(changes: Iterable<TopicItemChange>): TopicPresenceChanges[] {
  const byTopic = new Map<string, TopicItemChange[]>();
  for (const change of changes) {
    const list = byTopic.get(change.topic) ?? [];
    list.push(change);
    byTopic.set(change.topic, list);
  }
  return [...byTopic].map(([topic, list]) => {
    const diff = mergeDiffs(list.map(diffOfChange));
    const joinedRefs = new Set(Object.values(diff.joins).flatMap(({ metas }) => metas.map((meta) => meta.phx_ref)));
    const joinedRows = list.flatMap(({ connectionId, after, member }) =>
      after && joinedRefs.has(after.meta.phx_ref) ? [{ connectionId, key: after.key, meta: after.meta, ...(member === undefined ? {} : { member }) }] : [],
    );
    return { topic, diff, firstSequenceNumber: (list[0] as TopicItemChange).sequenceNumber, records: list.length, joinedRows };
  });
}

/** The lowest of stream sequence numbers (decimal strings of up to 40 digits). */
export function earliestSequenceNumber(sequenceNumbers: readonly string[]): string | null {
  let earliest: string | null = null;
  for (const candidate of sequenceNumbers) {
    if (earliest === null || BigInt(candidate) < BigInt(earliest)) earliest = candidate;
  }
  return earliest;
}
