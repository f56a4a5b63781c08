/**
 * A joining client's catch-up: every retained message after the `since` it sent, posted
 * to its connection one frame per message, in seq order, before its join reply. Runs
 * after the subscription is written, so nothing falls between replay and live delivery
 * (docs/protocol.md, "History and replay").
 */
import { encodeMessage } from '../protocol/codec.js';
import type { JoinCommand } from '../protocol/messages.js';
import type { MessageSender } from '../ports.js';
import type { ReplaySummary, TopicHistory } from './topic-history.js';

export interface ReplayDependencies {
  readonly history: TopicHistory;
  readonly sender: MessageSender;
}

/** The replay summary for the join reply, or null on a topic without history. */
export async function replayOnJoin(
  deps: ReplayDependencies,
  command: JoinCommand,
  since: number | null,
  target: { readonly endpoint: string; readonly connectionId: string },
): Promise<ReplaySummary | null> {
  return deps.history.replay(command.topic, since, async ({ seq, event, payload }) => {
    // Each message as it was broadcast, with this join's join_ref so a phoenix client
    // drops it if it belongs to an earlier join of the topic.
    const data = encodeMessage({ topic: command.topic, event, payload, ref: null, joinRef: command.joinRef, seq }, command.format);
    // One post per message: each fitted a frame when it was broadcast, and they arrive in order.
    return (await deps.sender.send({ ...target, data })).outcome === 'delivered';
  });
}
