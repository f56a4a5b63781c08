/**
 * Pusher webhooks locally: the deployed wiring emulated with the same semantics. On AWS an
 * EventBridge rule on the lifecycle bus invokes the webhook function asynchronously; Lambda
 * retries a failed invocation twice, then sends the event to the dead-letter queue. Here
 * every lifecycle event the local bus accepts runs the same handler, a failure is retried
 * after each of `retryDelaysMs` (Lambda waits about 1 and 2 minutes; locally 1 and 2 s by
 * default), and an event that failed every attempt is kept as a dead letter and printed.
 */
import type { Logger } from '../lambdas/core/ports.js';
import type { EventBridgeEvent } from '../lambdas/handlers/pusher-webhooks.js';
import type { LocalBusEvent, LocalEventBus } from './event-bus.js';
import { invokeLocally, type LocalFunction } from './lambda-invoker.js';

/** The detail types the deployed rule passes to the webhook function. */
export const WEBHOOK_DETAIL_TYPES = ['occupied', 'vacated', 'joined', 'left'] as const;

/** Lambda's asynchronous invoke default: two retries after the first attempt. */
export const DEFAULT_LOCAL_WEBHOOK_RETRY_DELAYS_MS = [1000, 2000] as const;

export interface WebhookDeadLetter {
  /** The event as the function received it (what the dead-letter queue's message holds). */
  readonly event: EventBridgeEvent;
  readonly error: string;
  readonly attempts: number;
}

export class LocalWebhookDispatcher {
  private readonly dead: WebhookDeadLetter[] = [];
  private readonly running = new Set<Promise<void>>();

  public constructor(
    private readonly fn: LocalFunction<EventBridgeEvent, unknown>,
    private readonly options: { readonly source: string; readonly retryDelaysMs: readonly number[]; readonly logger: Logger; readonly write: (line: string) => void },
  ) {}

  /** Sends a webhook for every matching event the bus accepts from now on; returns the unsubscribe. */
  public attach(bus: LocalEventBus): () => void {
    return bus.subscribe((event) => {
      if (event.source !== this.options.source || !(WEBHOOK_DETAIL_TYPES as readonly string[]).includes(event.detailType)) return;
      const delivery = this.deliver(eventBridgeEventOf(event)).finally(() => this.running.delete(delivery));
      this.running.add(delivery);
    });
  }

  /** Events that failed every attempt, oldest first. */
  public deadLetters(): readonly WebhookDeadLetter[] {
    return [...this.dead];
  }

  /** Waits for the deliveries under way, retries included. */
  public async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async deliver(event: EventBridgeEvent): Promise<void> {
    const attempts = this.options.retryDelaysMs.length + 1;
    for (let attempt = 1; ; attempt += 1) {
      const invocation = await invokeLocally(this.fn, event, this.options.logger);
      if (invocation.status === 'returned') return;
      if (attempt >= attempts) {
        this.dead.push({ event, error: invocation.error.message, attempts });
        this.options.write(`webhook dead-lettered after ${attempts} attempts: ${event['detail-type']} ${JSON.stringify(event.detail)}: ${invocation.error.message}`);
        return;
      }
      this.options.logger.warn('webhook failed; retrying', { attempt, error: invocation.error.message });
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelaysMs[attempt - 1]));
    }
  }
}

function eventBridgeEventOf(event: LocalBusEvent): EventBridgeEvent & Record<string, unknown> {
  return { version: '0', id: event.id, source: event.source, 'detail-type': event.detailType, time: event.time, detail: event.detail };
}
