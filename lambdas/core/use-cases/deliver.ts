/**
 * Sends one message to many subscribers with bounded concurrency. Each subscriber gets
 * the message in its own wire format; Phoenix subscribers of presence events get their
 * own join_ref. One failed post never aborts the rest.
 */
import type { FanoutSettings } from '../config.js';
import { mapWithConcurrency } from '../concurrency.js';
import { encodeMessage } from '../protocol/codec.js';
import type { OutboundMessage } from '../protocol/messages.js';
import type { DeliveryOutcome, MessageSender, Subscriber } from '../ports.js';

export interface DeliveryReport {
  readonly delivered: number;
  readonly failed: number;
  /** Connections that answered 410: their sockets are gone and their items must go too. */
  readonly gone: readonly string[];
}

export interface DeliverOptions {
  /** Presence events carry the receiving subscription's join_ref, as Phoenix does. */
  readonly withSubscriberJoinRef?: boolean;
}

export async function deliverToSubscribers(
  sender: MessageSender,
  settings: Pick<FanoutSettings, 'concurrency'>,
  subscribers: readonly Subscriber[],
  message: OutboundMessage,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const encode = createEncoder(message, options.withSubscriberJoinRef === true);
  const outcomes = await mapWithConcurrency(subscribers, settings.concurrency, async (subscriber): Promise<DeliveryOutcome> => {
    try {
      return await sender.send({ endpoint: subscriber.endpoint, connectionId: subscriber.connectionId, data: encode(subscriber) });
    } catch {
      return 'failed';
    }
  });
  let delivered = 0;
  let failed = 0;
  const gone: string[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome === 'delivered') delivered += 1;
    else if (outcome === 'failed') failed += 1;
    else gone.push((subscribers[index] as Subscriber).connectionId);
  });
  return { delivered, failed, gone };
}

/** Encodes once per format (and per join_ref only when the message needs it). */
function createEncoder(message: OutboundMessage, withSubscriberJoinRef: boolean): (subscriber: Subscriber) => string {
  const native = encodeMessage(message, 'native');
  const phoenix = encodeMessage(message, 'phoenix');
  return (subscriber) => {
    if (subscriber.format === 'native') return native;
    if (!withSubscriberJoinRef || subscriber.joinRef === null) return phoenix;
    return encodeMessage({ ...message, joinRef: subscriber.joinRef }, 'phoenix');
  };
}
