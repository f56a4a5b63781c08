/**
 * DynamoDB Streams and Lambda's event source mappings, emulated for the local gateway:
 * every write to a topic item or a connection item (captured from the DynamoDB client,
 * stream-capture.ts)
 * becomes a NEW_AND_OLD_IMAGES record with a rising sequence number; each presence reader
 * gathers the records its filter passes and hands them to the presence handler once its
 * batching window is up (or the batch is full), one batch at a time, retrying from the
 * record a handler reports as failed: what MaximumBatchingWindowInSeconds, FilterCriteria
 * and ReportBatchItemFailures do on AWS.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoStreamEvent, DynamoStreamRecord, StreamBatchResponse } from '../lambdas/adapters/dynamodb/stream-records.js';
import { TTL_DELETION_IDENTITY } from '../lambdas/adapters/dynamodb/stream-records.js';
import { PRESENCE_STREAM_MAPPING, TOPIC_ITEM_PREFIX, type PresenceStreamReader } from '../lambdas/core/presence-readers.js';
import { passesExpiredConnectionRowFilter } from '../lambdas/core/channels/expired-rows.js';
import { passesConnectionItemFilter } from '../lambdas/core/lifecycle-events.js';
import type { Logger } from '../lambdas/core/ports.js';

type Image = Record<string, AttributeValue>;

export interface ItemWrite {
  readonly keys: { readonly pk: AttributeValue; readonly sk: AttributeValue };
  readonly oldImage?: Image | undefined;
  readonly newImage?: Image | undefined;
  /** Deleted as TTL deletes: by DynamoDB itself (the local sweeper). */
  readonly expired?: boolean;
}

export interface StreamReaderBinding {
  readonly reader: PresenceStreamReader;
  /** Whether this reader's mapping also passes created and deleted connection items (the lifecycle-event reader). @default false */
  readonly connectionItems?: boolean;
  /** Whether it also passes connection rows deleted by TTL (the default window's reader, when modules have a `leave`). @default false */
  readonly expiredConnectionRows?: boolean;
  /** Invokes the presence function for one batch (locally, with its timeout). */
  readonly invoke: (event: DynamoStreamEvent) => Promise<StreamBatchResponse | undefined>;
}

export class LocalTableStream {
  private sequence = 10n ** 20n;
  private ended = false;
  private readonly readers: ReaderQueue[];

  public constructor(
    private readonly options: { readonly tableName: string; readonly region: string; readonly logger: Logger },
    bindings: readonly StreamReaderBinding[],
  ) {
    this.readers = bindings.map((binding) => new ReaderQueue(binding, options.logger));
  }

  /** One write to an item, as the stream would carry it (nothing when the write changed no item). */
  public record(write: ItemWrite): void {
    const pk = write.keys.pk.S;
    const sk = write.keys.sk.S ?? '';
    if (this.ended || pk === undefined) return;
    const eventName = !write.oldImage ? (write.newImage ? 'INSERT' : undefined) : write.newImage ? 'MODIFY' : 'REMOVE';
    if (!eventName) return;
    // Each reader's filter, as its event source mapping's FilterCriteria would apply it.
    const readers = this.readers.filter((reader) => reader.passes(pk, sk, eventName, write.expired === true));
    if (readers.length === 0) return;
    this.sequence += 1n;
    const record: DynamoStreamRecord = {
      eventID: this.sequence.toString(16),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: `arn:aws:dynamodb:${this.options.region}:000000000000:table/${this.options.tableName}/stream/local`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: { pk: write.keys.pk, sk: write.keys.sk },
        ...(write.newImage ? { NewImage: write.newImage } : {}),
        ...(write.oldImage ? { OldImage: write.oldImage } : {}),
        SequenceNumber: this.sequence.toString(),
        SizeBytes: JSON.stringify([write.keys, write.oldImage ?? {}, write.newImage ?? {}]).length,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      ...(write.expired && eventName === 'REMOVE' ? { userIdentity: { ...TTL_DELETION_IDENTITY } } : {}),
    };
    for (const reader of readers) reader.offer(record);
  }

  /** Hands over every buffered record now and waits until all batches have run. */
  public async flush(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.flush()));
  }

  /** Delivers what is buffered (and what those batches write in turn), then takes no more records. */
  public async end(): Promise<void> {
    do await this.flush();
    while (this.readers.some((reader) => reader.pending > 0));
    this.ended = true;
  }
}

class ReaderQueue {
  private buffer: DynamoStreamRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  public constructor(
    private readonly binding: StreamReaderBinding,
    private readonly logger: Logger,
  ) {}

  public get pending(): number {
    return this.buffer.length;
  }

  public passes(pk: string, sk: string, eventName: string, expired: boolean): boolean {
    if (!pk.startsWith(TOPIC_ITEM_PREFIX)) {
      return (
        (this.binding.connectionItems === true && passesConnectionItemFilter(pk, sk, eventName)) ||
        (this.binding.expiredConnectionRows === true && passesExpiredConnectionRowFilter(pk, sk, eventName, expired))
      );
    }
    const { prefixes } = this.binding.reader;
    return prefixes === null || prefixes.some((prefix) => pk.startsWith(prefix));
  }

  public offer(record: DynamoStreamRecord): void {
    this.buffer.push(record);
    if (this.buffer.length >= PRESENCE_STREAM_MAPPING.batchSize) this.handOver();
    // The window opens with the first record waiting, as Lambda's batching window does.
    else this.timer ??= setTimeout(() => this.handOver(), this.binding.reader.windowMs);
  }

  public async flush(): Promise<void> {
    this.handOver();
    await this.running;
  }

  private handOver(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, PRESENCE_STREAM_MAPPING.batchSize);
      // One batch at a time per reader: a shard's records are processed in order.
      this.running = this.running.then(() => this.deliver(batch));
    }
  }

  private async deliver(records: DynamoStreamRecord[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const retryFrom = await this.invoke(pending);
      if (retryFrom === null) return;
      if (attempt >= PRESENCE_STREAM_MAPPING.retryAttempts) {
        this.logger.error('presence stream batch dropped after its retries', { records: pending.length, windowSeconds: this.binding.reader.windowSeconds });
        return;
      }
      const index = pending.findIndex((record) => record.dynamodb?.SequenceNumber === retryFrom);
      pending = index < 0 ? pending : pending.slice(index);
    }
  }

  /** The sequence number to retry from, or null when the batch is done. */
  private async invoke(records: DynamoStreamRecord[]): Promise<string | null> {
    try {
      const response = await this.binding.invoke({ Records: records });
      return response?.batchItemFailures[0]?.itemIdentifier ?? null;
    } catch (error) {
      // A function error retries the whole batch, as Lambda does.
      this.logger.error('presence function failed', { error: String(error) });
      return records[0]?.dynamodb?.SequenceNumber ?? null;
    }
  }
}
