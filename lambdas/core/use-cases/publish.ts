/**
 * The one path of every broadcast: a client's push, a channel module's broadcast, the
 * server SDK and the HTTP publish route all end here (as Phoenix's channel and endpoint
 * broadcasts share one path), so history, metrics and anything else a broadcast needs is
 * added once.
 */
import type { OutboundMessage } from '../protocol/messages.js';
import { assertFitsOneMessage, type Broadcaster } from './broadcaster.js';
import type { TopicHistory } from './topic-history.js';

/**
 * What is published: a topic, an event and a payload. Unlike a reply it has no refs
 * (Phoenix's `%Broadcast{}`); each subscriber's wire format is chosen at delivery.
 */
export interface Broadcast {
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
  /** A client event's sender on a Pusher presence channel (OutboundMessage `userId`); not kept in history. */
  readonly userId?: string;
}

export interface PublishOptions {
  /** A connection that must not receive it (a push with `self: false`). */
  readonly excludeConnectionId?: string | null;
  /** When the invocation ends (epoch ms), if known: what cannot be posted in time goes to fan-out workers. */
  readonly deadlineMs?: number;
}

/** What happened to one broadcast; the HTTP route answers these as its `results`. */
export interface PublishResult {
  readonly topic: string;
  /** Subscribers the message was posted to. */
  readonly delivered: number;
  /** Subscribers whose sockets were gone (410); their items have been reaped. */
  readonly gone: number;
  /** Posts that failed after retries (logged and counted, never silently dropped). */
  readonly failed: number;
  /** Subscribers handed to fan-out workers (big topics), delivered after this returns. */
  readonly queued: number;
  /** The broadcast's seq, on topics with history on. */
  readonly seq?: number;
}

export interface PublishDependencies {
  readonly broadcaster: Broadcaster;
  readonly history: TopicHistory;
}

export async function publish(deps: PublishDependencies, broadcast: Broadcast, options: PublishOptions = {}): Promise<PublishResult> {
  // A refused broadcast must not take a seq (a hole every client would wait on) nor be
  // kept for replay: check its frame, with the longest seq there is, before appending.
  if (deps.history.isOn(broadcast.topic)) assertFitsOneMessage({ ...broadcast, ref: null, joinRef: null, seq: Number.MAX_SAFE_INTEGER });
  // Retained before the subscribers are read: a join that subscribes after this read
  // finds the message in history, one that subscribed before it receives it live.
  const seq = await deps.history.append(broadcast.topic, { event: broadcast.event, payload: broadcast.payload });
  const message: OutboundMessage = {
    topic: broadcast.topic,
    event: broadcast.event,
    payload: broadcast.payload,
    ref: null,
    joinRef: null,
    ...(seq !== null ? { seq } : {}),
    ...(broadcast.userId === undefined ? {} : { userId: broadcast.userId }),
  };
  const report = await deps.broadcaster.broadcast(broadcast.topic, message, {
    excludeConnectionId: options.excludeConnectionId ?? null,
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
  }).catch(async (error: unknown) => {
    // The broadcaster throws only before anything reached anyone (its subscriber read, or
    // no worker taking a big topic), and the caller then answers an error the client
    // retries: keeping this one too would replay the message twice, under two seqs.
    if (seq !== null) await discardOrReport(deps, broadcast.topic, seq, error);
    throw error;
  });
  return {
    topic: broadcast.topic,
    delivered: report.delivered,
    gone: report.gone.length,
    failed: report.failed,
    queued: report.dispatched,
    ...(seq !== null ? { seq } : {}),
  };
}

async function discardOrReport(deps: PublishDependencies, topic: string, seq: number, cause: unknown): Promise<void> {
  try {
    await deps.history.discard(topic, seq);
  } catch (error) {
    // Both failed: the caller's error is about the broadcast; say what stays behind.
    throw new AggregateError([cause, error], `broadcast of ${topic} failed and its seq ${seq} stays in history: ${describe(cause)}; discarding it: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Publishes several broadcasts; results come back in the order given. Broadcasts to one
 * topic go out one after the other, so its subscribers see them in that order; different
 * topics go out in parallel.
 */
export async function publishAll(deps: PublishDependencies, broadcasts: readonly Broadcast[], options: PublishOptions = {}): Promise<PublishResult[]> {
  const results: PublishResult[] = new Array<PublishResult>(broadcasts.length);
  const byTopic = new Map<string, number[]>();
  broadcasts.forEach(({ topic }, index) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), index]));
  await Promise.all(
    [...byTopic.values()].map(async (indexes) => {
      for (const index of indexes) results[index] = await publish(deps, broadcasts[index] as Broadcast, options);
    }),
  );
  return results;
}
