/**
 * A fake of the API Gateway Management API (`POST /@connections/{id}`): records every
 * post per connection and answers `gone` (HTTP 410) for connections marked as gone.
 * This is the only collaborator integration tests fake; the real client is exercised by
 * the end-to-end tests through the local gateway.
 */
import type { Delivery, DeliveryOutcome, DeliveryResult, MessageSender } from '../../lambdas/core/ports.js';

export interface RecordedDelivery extends Delivery {
  readonly outcome: DeliveryOutcome;
}

export class RecordingSender implements MessageSender {
  private readonly recorded: RecordedDelivery[] = [];
  private readonly goneIds = new Set<string>();
  private readonly failingIds = new Set<string>();
  private readonly throttledIds = new Set<string>();

  public async send(delivery: Delivery): Promise<DeliveryResult> {
    const outcome: DeliveryOutcome = this.goneIds.has(delivery.connectionId)
      ? 'gone'
      : this.failingIds.has(delivery.connectionId)
        ? 'failed'
        : 'delivered';
    this.recorded.push({ ...delivery, outcome });
    const status = { delivered: 200, gone: 410, failed: 500, unsent: null }[outcome];
    // A throttled connection's post succeeds on its second attempt, as after one 429.
    const retries = outcome === 'delivered' && this.throttledIds.has(delivery.connectionId) ? 1 : 0;
    return outcome === 'failed' ? { outcome, status, retries: 0, reason: 'marked failing' } : { outcome, status, retries };
  }

  /** From now on, posts to these connections are delivered after one retry (a 429 first). */
  public markThrottled(...connectionIds: string[]): void {
    for (const id of connectionIds) this.throttledIds.add(id);
  }

  /** From now on, posts to these connections answer 410 Gone. */
  public markGone(...connectionIds: string[]): void {
    for (const id of connectionIds) this.goneIds.add(id);
  }

  /** From now on, posts to these connections fail (e.g. a 500 or a timeout). */
  public markFailing(...connectionIds: string[]): void {
    for (const id of connectionIds) this.failingIds.add(id);
  }

  /** Every post attempted, in order, whatever its outcome. */
  public get attempts(): readonly RecordedDelivery[] {
    return this.recorded;
  }

  /** Raw frames delivered to one connection, in order. */
  public framesFor(connectionId: string): string[] {
    return this.recorded.filter((d) => d.connectionId === connectionId && d.outcome === 'delivered').map((d) => d.data);
  }

  /** Delivered frames of one connection, parsed as JSON. */
  public messagesFor(connectionId: string): unknown[] {
    return this.framesFor(connectionId).map((frame) => JSON.parse(frame) as unknown);
  }

  /** Connection ids that received at least one delivered post. */
  public recipients(): string[] {
    return [...new Set(this.recorded.filter((d) => d.outcome === 'delivered').map((d) => d.connectionId))];
  }

  /** Forgets what was recorded (gone and failing marks stay). */
  public clear(): void {
    this.recorded.length = 0;
  }
}
