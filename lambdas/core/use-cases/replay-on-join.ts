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
    // Each message byte for byte as it was broadcast live, so it fits one API Gateway
    // message as it did then (publish checked it before keeping it).
    const data = encodeMessage({ topic: command.topic, event, payload, ref: null, joinRef: null, seq }, command.format);
    // One post per message, awaited, so they arrive in order. A post that failed after
    // retries leaves a gap the client can see; only a gone socket ends the replay.
    const { outcome } = await deps.sender.send({ ...target, data });
    return outcome === 'gone' ? 'stop' : outcome === 'delivered';
  });
}
