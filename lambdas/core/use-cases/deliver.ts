/**
 * Sends one message to many subscribers with bounded concurrency. Each subscriber gets
 * the message in its own wire format; Phoenix subscribers of presence events get their
 * own join_ref. One failed post never aborts the rest, and every failure is logged.
 *
 * With a deadline, no post starts that could not finish before it: those subscribers come
 * back as `unsent` (provably not delivered) for the caller to hand to fan-out workers.
 */
import type { FanoutSettings } from '../config.js';
import { mapWithConcurrency } from '../concurrency.js';
import { encodeFrames, encodeMessage } from '../protocol/codec.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { Delivery, DeliveryResult, Logger, MessageSender, Subscriber } from '../ports.js';

export interface DeliveryReport {
  readonly delivered: number;
  /** Posts refused for good or that may have been lost after they were written; never resent. */
  readonly failed: number;
  /** Attempts made after the first (throttled, transient errors, refused connections). */
  readonly retried: number;
  /** Connections that answered 410: their sockets are gone and their items must go too. */
  readonly gone: readonly string[];
  /** Subscribers not reached before the deadline and provably not delivered. */
  readonly unsent: readonly Subscriber[];
}

export interface DeliverOptions {
  /** Presence events carry the receiving subscription's join_ref, as Phoenix does. */
  readonly withSubscriberJoinRef?: boolean;
  /** Epoch milliseconds by which every post must be over. */
  readonly deadlineMs?: number;
  readonly now?: () => number;
  /** Where failed posts are reported (connection, topic, status). */
  readonly logger?: Logger;
}

/** Failed posts logged one by one per call; the rest are summed up in one line. */
const MAX_FAILURE_LINES = 50;

export async function deliverToSubscribers(
  sender: MessageSender,
  settings: Pick<FanoutSettings, 'concurrency' | 'postTimeoutMs'>,
  subscribers: readonly Subscriber[],
  message: OutboundMessage,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const encode = createEncoder(message, options.withSubscriberJoinRef === true);
  const { deadlineMs } = options;
  const now = options.now ?? Date.now;
  const results = await mapWithConcurrency(subscribers, settings.concurrency, async (subscriber): Promise<DeliveryResult> => {
    if (deadlineMs !== undefined && now() + settings.postTimeoutMs > deadlineMs) return { outcome: 'unsent', status: null, retries: 0, reason: 'deadline' };
    try {
      const delivery = { endpoint: subscriber.endpoint, connectionId: subscriber.connectionId };
      return await sendFrames(sender, deadlineMs === undefined ? delivery : { ...delivery, deadlineMs }, encode(subscriber));
    } catch (error) {
      return { outcome: 'failed', status: null, retries: 0, reason: String(error) };
    }
  });
  let delivered = 0;
  let failed = 0;
  let retried = 0;
  const gone: string[] = [];
  const unsent: Subscriber[] = [];
  const failures: { subscriber: Subscriber; result: DeliveryResult }[] = [];
  results.forEach((result, index) => {
    const subscriber = subscribers[index] as Subscriber;
    retried += result.retries;
    if (result.outcome === 'delivered') delivered += 1;
    else if (result.outcome === 'gone') gone.push(subscriber.connectionId);
    else if (result.outcome === 'unsent') unsent.push(subscriber);
    else {
      failed += 1;
      failures.push({ subscriber, result });
    }
  });
  if (options.logger && failures.length > 0) logFailures(options.logger, message, failures);
  return { delivered, failed, retried, gone, unsent };
}

function logFailures(logger: Logger, message: OutboundMessage, failures: readonly { subscriber: Subscriber; result: DeliveryResult }[]): void {
  for (const { subscriber, result } of failures.slice(0, MAX_FAILURE_LINES)) {
    logger.warn('post failed', {
      connectionId: subscriber.connectionId,
      topic: message.topic,
      event: message.event,
      status: result.status,
      reason: result.reason ?? null,
      endpoint: subscriber.endpoint,
    });
  }
  if (failures.length > MAX_FAILURE_LINES) {
    const byStatus: Record<string, number> = {};
    for (const { result } of failures.slice(MAX_FAILURE_LINES)) byStatus[String(result.status)] = (byStatus[String(result.status)] ?? 0) + 1;
    logger.warn('more posts failed', { topic: message.topic, event: message.event, count: failures.length - MAX_FAILURE_LINES, byStatus });
  }
}

/**
 * Encodes once per format (and per join_ref only when the message needs it). A Pusher
 * subscriber's frames are encoded on first need, so a topic without Pusher clients pays
 * nothing for them.
 */
function createEncoder(message: OutboundMessage, withSubscriberJoinRef: boolean): (subscriber: Subscriber) => readonly string[] {
  const native = [encodeMessage(message, 'native')];
  const phoenix = [encodeMessage(message, 'phoenix')];
  let pusher: readonly string[] | undefined;
  return (subscriber) => {
    if (subscriber.format === 'native') return native;
    if (subscriber.format === 'pusher') return (pusher ??= encodeFrames(message, 'pusher'));
    if (!withSubscriberJoinRef || subscriber.joinRef === null) return phoenix;
    return [encodeMessage({ ...message, joinRef: subscriber.joinRef }, 'phoenix')];
  };
}

/**
 * Posts a subscriber's frames in order (one for native and Phoenix clients); the first that
 * is not delivered ends it. No frame at all (a presence diff on a Pusher client's public
 * channel) is nothing to deliver and costs nothing.
 */
async function sendFrames(sender: MessageSender, delivery: Omit<Delivery, 'data'>, frames: readonly string[]): Promise<DeliveryResult> {
  if (frames.length === 1) return sender.send({ ...delivery, data: frames[0] as string });
  let last: DeliveryResult = { outcome: 'delivered', status: null, retries: 0 };
  let retries = 0;
  for (const data of frames) {
    last = await sender.send({ ...delivery, data });
    retries += last.retries;
    if (last.outcome !== 'delivered') break;
  }
  return { ...last, retries };
}
