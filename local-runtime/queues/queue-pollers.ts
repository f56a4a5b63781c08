/**
 * Lambda's event source mappings from SQS queues, run as Lambda runs them: a poller
 * receives up to BatchSize messages (waiting up to MaximumBatchingWindowInSeconds for a
 * full batch), invokes the function with them, and deletes what succeeded: every message
 * after a normal return, all but the reported ones with ReportBatchItemFailures (an
 * invalid report fails the whole batch), none after a function error. What is not deleted
 * becomes visible again after the queue's visibility timeout, and the queue's redrive
 * policy moves it to the dead-letter queue after maxReceiveCount receives. Up to 5 batches
 * run at once per mapping (Lambda's first pollers), or ScalingConfig.MaximumConcurrency.
 * FilterCriteria apply to the record (its `body` as JSON when it is JSON); a message they
 * filter out is deleted, as Lambda deletes it.
 *
 * The poller calls SQS as the function's role: on AWS, Lambda refuses to create a mapping
 * whose role may not `sqs:ReceiveMessage`, `sqs:DeleteMessage` and
 * `sqs:GetQueueAttributes` on the queue, so such a mapping is not run, with that message.
 */
import type { EventSourceMappingModel } from '../assembly/local-app.js';
import { LOCAL_REGION } from '../assembly/local-app.js';
import type { FunctionRunner } from '../runner/function-runner.js';
import { matchesAnyFilter } from '../streams/event-pattern.js';
import type { SqsQueue, StoredMessage } from './sqs-queue.js';
import { systemAttributes } from './sqs-service.js';

export const POLLER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;
const DEFAULT_CONCURRENCY = 5;
// SQS hands out at most 10 messages per receive; a larger BatchSize is gathered from several.
const RECEIVE_MAX = 10;

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Record<string, string>;
  readonly messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: string[]; binaryListValues: string[]; dataType: string }>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export class QueuePoller {
  private ended = false;
  private inFlight = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly loop: Promise<void>;

  public constructor(
    private readonly mapping: EventSourceMappingModel,
    private readonly queue: SqsQueue,
    private readonly runner: FunctionRunner,
    private readonly log: (line: string) => void,
  ) {
    this.unsubscribe = queue.onAvailable(() => this.wake?.());
    this.loop = this.run();
  }

  /** Stops polling; batches under way finish (their messages are deleted or left as they would be). */
  public async end(): Promise<void> {
    this.ended = true;
    this.unsubscribe();
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const concurrency = Math.max(1, this.mapping.maximumConcurrency ?? DEFAULT_CONCURRENCY);
    while (!this.ended) {
      if (this.inFlight.size >= concurrency) {
        await Promise.race([...this.inFlight]);
        continue;
      }
      const batch = await this.gather();
      if (batch.length === 0) continue;
      const delivery = this.deliver(batch).catch((error: unknown) => this.log(`WARN ${this.mapping.logicalId}: batch delivery failed: ${String(error)}`));
      const tracked = delivery.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
  }

  /** Messages for one batch: as soon as any are visible without a window, else until the batch is full or the window is over. */
  private async gather(): Promise<StoredMessage[]> {
    const batch: StoredMessage[] = [];
    const windowMs = this.mapping.maximumBatchingWindowSeconds * 1000;
    let deadline: number | undefined;
    while (!this.ended) {
      while (batch.length < this.mapping.batchSize) {
        const received = this.queue.receive(Math.min(RECEIVE_MAX, this.mapping.batchSize - batch.length));
        if (received.length === 0) break;
        batch.push(...received);
      }
      if (batch.length > 0) deadline ??= Date.now() + windowMs;
      if (batch.length >= this.mapping.batchSize || (deadline !== undefined && Date.now() >= deadline)) return batch;
      await this.sleep(deadline === undefined ? undefined : deadline - Date.now());
    }
    return batch;
  }

  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async deliver(batch: StoredMessage[]): Promise<void> {
    const records = batch.map((message) => this.record(message));
    const passing = records.filter((record) => matchesAnyFilter(this.mapping.filters, filterable(record)));
    // Lambda deletes the messages its filters drop.
    for (const record of records) if (!passing.includes(record)) this.queue.delete(record.receiptHandle);
    if (passing.length === 0) return;
    const invocation = await this.runner.invoke({ Records: passing });
    if (invocation.status === 'failed') {
      this.log(`WARN ${this.mapping.logicalId}: ${this.runner.fn.functionName} failed on ${String(passing.length)} messages (${invocation.error.errorType}: ${invocation.error.errorMessage}); they are received again after the visibility timeout`);
      return;
    }
    const failed = this.mapping.reportBatchItemFailures ? failedIds(invocation.result, passing) : new Set<string>();
    if (failed === undefined) {
      this.log(`WARN ${this.mapping.logicalId}: ${this.runner.fn.functionName} returned an invalid batchItemFailures; the whole batch is received again after the visibility timeout`);
      return;
    }
    for (const record of passing) if (!failed.has(record.messageId)) this.queue.delete(record.receiptHandle);
  }

  private record(message: StoredMessage): SqsRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      attributes: systemAttributes(message),
      messageAttributes: Object.fromEntries(
        Object.entries(message.attributes).map(([name, value]) => [
          name,
          { ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}), ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}), stringListValues: [], binaryListValues: [], dataType: value.DataType },
        ]),
      ),
      md5OfBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { md5OfMessageAttributes: message.md5OfAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queue.model.arn,
      awsRegion: LOCAL_REGION,
    };
  }
}

/** The record as Lambda filters it: a JSON body is matched as the JSON object it holds. */
function filterable(record: SqsRecord): unknown {
  try {
    return { ...record, body: JSON.parse(record.body) as unknown };
  } catch {
    return record;
  }
}

/**
 * The messages a partial batch response reports, or undefined when the response is
 * invalid (an item identifier missing, empty or not in the batch), which fails the batch.
 */
function failedIds(result: unknown, batch: readonly SqsRecord[]): Set<string> | undefined {
  const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !batch.some((record) => record.messageId === id)) return undefined;
    ids.add(id);
  }
  return ids;
}
