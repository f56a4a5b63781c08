/**
 * Pusher's `GET /channels`: the occupied channels whose names start with a prefix, read from
 * the channel index (ports.ts `ChannelIndex`) and checked against the subscription rows.
 *
 * Why the listing is exact with no transaction, whatever order joins, leaves, reaping and
 * listings run in:
 * - a join touches the topic's entry AFTER writing its subscription rows (and before it
 *   answers): the touch recreates a missing entry and changes its version;
 * - a lister reads the entries (with their versions) first, then checks each topic's rows,
 *   and removes an entry it found vacant only at the version it read (a conditional delete).
 * If the check ran before a join's row write, the lister's read ran before too, so that join's
 * touch comes after the read: either after the delete (it recreates the entry) or before
 * it (the version changed and the delete fails). So a topic with a finished join always has
 * its entry; and a vacant one is never listed, because every listed entry was just checked.
 * Leaves and reaping never touch the index: entries of vacated topics wait for the next
 * listing (or their TTL, which every touch pushes past the rows' own).
 */
import { mapWithConcurrency } from '../concurrency.js';
import type { ChannelIndex } from '../ports.js';

export interface ListChannelsDependencies {
  readonly index: ChannelIndex;
  readonly shardsOf: (topic: string) => number;
  /** Distinct presence users of a topic, and whether it has any subscriber (a read of its rows). */
  readonly occupancy: (topic: string) => Promise<{ readonly subscribers: number; readonly presence: number }>;
}

export interface ListedChannel {
  readonly userCount?: number;
}

/** Checks in flight at once: each is one small Query per shard. */
const CHECK_CONCURRENCY = 16;

export async function listOccupiedChannels(deps: ListChannelsDependencies, prefix: string, withUserCount: boolean): Promise<Map<string, ListedChannel>> {
  const entries = await deps.index.list(prefix);
  const checked = await mapWithConcurrency(entries, CHECK_CONCURRENCY, async (entry) => {
    if (withUserCount) {
      const { subscribers, presence } = await deps.occupancy(entry.topic);
      return { entry, occupied: subscribers > 0, channel: { userCount: presence } };
    }
    return { entry, occupied: await deps.index.isOccupied(entry.topic, deps.shardsOf(entry.topic)), channel: {} };
  });
  const listed = new Map<string, ListedChannel>();
  const vacant = checked.filter(({ occupied }) => !occupied).map(({ entry }) => entry);
  for (const { entry, occupied, channel } of checked) if (occupied) listed.set(entry.topic, channel);
  // Tidied after the answer is known: a failed delete only leaves the entry for next time.
  await mapWithConcurrency(vacant, CHECK_CONCURRENCY, (entry) => deps.index.drop(entry));
  return listed;
}
