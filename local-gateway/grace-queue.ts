/**
 * The grace timer's SQS queue and the presence-grace function's event source mapping, in
 * the gateway, with their semantics: a message becomes visible after its delay (SQS counts
 * `DelaySeconds` in whole seconds, at most 900), is delivered at least once, and a message
 * the function reports failed (ReportBatchItemFailures) or that it throws on comes back
 * after the visibility timeout, up to the redrive policy's receive count; then it goes to
 * the dead-letter queue (locally: an error in the log).
 */
import { randomUUID } from 'node:crypto';
import type { GraceTimer, Logger } from '../lambdas/core/ports.js';
import type { HeldMember } from '../lambdas/core/presence-grace.js';
import type { SqsBatchResponse, SqsEvent } from '../lambdas/handlers/presence-grace.js';
import { SQS_LIMITS } from '../lambdas/adapters/sqs/sqs-grace-timer.js';

export interface LocalGraceQueueOptions {
  readonly logger: Logger;
  /** The queue's visibility timeout (the construct sets 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** The redrive policy's maxReceiveCount (the construct sets 3). */
  readonly maxReceiveCount?: number;
}

export class LocalGraceQueue implements GraceTimer {
  private consumer: ((event: SqsEvent) => Promise<SqsBatchResponse>) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  public constructor(private readonly options: LocalGraceQueueOptions) {}

  /** The function the event source mapping invokes. */
  public bind(consumer: (event: SqsEvent) => Promise<SqsBatchResponse>): void {
    this.consumer = consumer;
  }

  public schedule(held: readonly HeldMember[], delayMs: number): Promise<void> {
    const delaySeconds = Math.min(SQS_LIMITS.maxDelaySeconds, Math.max(0, Math.ceil(delayMs / 1000)));
    for (const member of held) this.after(delaySeconds * 1000, { messageId: randomUUID(), body: JSON.stringify(member) }, 1);
    return Promise.resolve();
  }

  /** Waits for deliveries under way (not for messages still delayed). */
  public async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Drops every message still delayed, as deleting the queue would. */
  public close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(ms: number, message: { messageId: string; body: string }, receiveCount: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const delivery = this.deliver(message, receiveCount).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async deliver(message: { messageId: string; body: string }, receiveCount: number): Promise<void> {
    let failed = true;
    try {
      const response = await (this.consumer ?? (() => Promise.reject(new Error('no function bound to the grace queue'))))({ Records: [message] });
      failed = response.batchItemFailures.some((failure) => failure.itemIdentifier === message.messageId);
    } catch (error) {
      this.options.logger.error('presence-grace function failed', { messageId: message.messageId, error: String(error) });
    }
    if (!failed) return;
    if (receiveCount >= (this.options.maxReceiveCount ?? 3)) {
      this.options.logger.error('grace message moved to the dead-letter queue', { messageId: message.messageId, body: message.body });
      return;
    }
    this.after(this.options.visibilityTimeoutMs ?? 30_000, message, receiveCount + 1);
  }
}
