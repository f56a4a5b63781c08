/**
 * A joining client's catch-up: every retained message after the `since` it sent, posted
 * to its connection one frame per message, in seq order, before its join reply. Runs
 * after the subscription is written, so nothing falls between replay and live delivery
 * (docs/protocol.md, "History and replay").
 *
 * Bounded by the invocation's deadline: up to 1000 posts at 10-30 ms each outlast a 10 s
 * route, and a join killed at its timeout answers nothing (Phoenix then rejoins with the
 * same `since`, forever). What the deadline leaves is announced in the reply (`more`,
 * `resumeSince`) for the client's next join.
 */
import type { FanoutSettings } from '../config.js';
import { encodeFrames } from '../protocol/codec.js';
import type { JoinCommand } from '../protocol/messages.js';
import type { Clock, MessageSender } from '../ports.js';
import type { ReplaySummary, TopicHistory } from './topic-history.js';

export interface ReplayDependencies {
  readonly history: TopicHistory;
  readonly sender: MessageSender;
  readonly clock: Clock;
  readonly config: { readonly fanout: Pick<FanoutSettings, 'postTimeoutMs' | 'deadlineMarginMs'> };
}

/**
 * When the replay's last post must be over: the function's deadline, less the margin every
 * function keeps, less one post's timeout for the join reply and presence_state that follow.
 */
export function replayDeadline(deadlineMs: number, fanout: Pick<FanoutSettings, 'postTimeoutMs' | 'deadlineMarginMs'>): number {
  return deadlineMs - fanout.deadlineMarginMs - fanout.postTimeoutMs;
}

/** The replay summary for the join reply, or null on a topic without history. */
export async function replayOnJoin(
  deps: ReplayDependencies,
  command: JoinCommand,
  since: number | null,
  target: { readonly endpoint: string; readonly connectionId: string; readonly deadlineMs?: number },
): Promise<ReplaySummary | null> {
  const { fanout } = deps.config;
  const deadline = target.deadlineMs === undefined ? undefined : replayDeadline(target.deadlineMs, fanout);
  const destination = { endpoint: target.endpoint, connectionId: target.connectionId };
  return deps.history.replay(command.topic, since, async ({ seq, event, payload }) => {
    // No post starts that could not finish before the deadline, as in a broadcast's fan-out.
    if (deadline !== undefined && deps.clock.nowMs() + fanout.postTimeoutMs > deadline) return 'deadline';
    // Each message byte for byte as it was broadcast live, so it fits one API Gateway
    // message as it did then (publish checked it before keeping it).
    // (A Pusher client gets the one Pusher frame a broadcast becomes.)
    const [data = ''] = encodeFrames({ topic: command.topic, event, payload, ref: null, joinRef: null, seq }, command.format);
    // One post at a time, each awaited: API Gateway keeps the order of posts to one
    // connection only when each starts after the previous one was answered, and a Phoenix
    // frame carries one message. A post that failed after retries leaves a gap the client
    // can see; a gone socket ends the replay; one the sender could not start in time is left.
    const { outcome } = await deps.sender.send(deadline === undefined ? { ...destination, data } : { ...destination, data, deadlineMs: deadline });
    if (outcome === 'gone') return 'stop';
    if (outcome === 'unsent') return 'deadline';
    return outcome === 'delivered' ? 'delivered' : 'failed';
  });
}
