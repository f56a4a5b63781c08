/**
 * DynamoDB Streams and their Lambda event source mappings, from the template: every item
 * change of a table with a StreamSpecification becomes a record (INSERT, MODIFY, REMOVE,
 * with the images its view type keeps, TTL deletions marked as DynamoDB marks them), and
 * each mapping of that stream gathers the records its filters pass and invokes its
 * function with a batch when the batching window is up or the batch is full, one batch at
 * a time (a shard's order), retrying as the mapping says: from the first reported failure
 * with ReportBatchItemFailures, the whole batch (or its halves with
 * BisectBatchOnFunctionError) after a function error, at most MaximumRetryAttempts times.
 */
import type { EventSourceMappingModel, TableModel } from '../assembly/local-app.js';
import { LOCAL_REGION } from '../assembly/local-app.js';
import type { FunctionRunner } from '../runner/function-runner.js';
import { matchesAnyFilter } from './event-pattern.js';

export type Image = Record<string, unknown>;

export interface ItemChange {
  readonly table: string;
  readonly keys: Image;
  readonly oldImage: Image | undefined;
  readonly newImage: Image | undefined;
  /** Deleted by TTL (by DynamoDB itself, not by a caller). */
  readonly expired?: boolean;
}

interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly eventSourceARN: string;
  readonly dynamodb: Record<string, unknown>;
  readonly userIdentity?: { type: string; principalId: string };
}

// Lambda retries a failed batch at once and then backs off; locally a short pause is enough.
const RETRY_DELAY_MS = 200;
// -1 (the default) retries until the record expires from the stream (24 h): a local run gives up sooner.
const LOCAL_RETRY_CAP = 10;

export class TableStreams {
  private sequence = 10n ** 20n;
  private ended = false;
  private readonly tables: ReadonlyMap<string, TableModel>;
  private readonly readers: MappingReader[];

  public constructor(
    tables: readonly TableModel[],
    mappings: readonly EventSourceMappingModel[],
    runners: ReadonlyMap<string, FunctionRunner>,
    log: (line: string) => void,
  ) {
    this.tables = new Map(tables.filter((table) => table.streamArn).map((table) => [table.tableName, table]));
    this.readers = mappings.flatMap((mapping) => {
      const runner = runners.get(mapping.functionArn);
      const table = [...this.tables.values()].find((candidate) => candidate.streamArn === mapping.eventSourceArn);
      if (!mapping.enabled || !runner || !table) return [];
      return [new MappingReader(mapping, table.tableName, runner, log)];
    });
  }

  /** Whether changes to this table are recorded (it has a stream). */
  public streams(table: string): boolean {
    return this.tables.has(table);
  }

  public record(change: ItemChange): void {
    const table = this.tables.get(change.table);
    if (this.ended || !table?.streamArn) return;
    const eventName = change.oldImage ? (change.newImage ? 'MODIFY' : 'REMOVE') : change.newImage ? 'INSERT' : undefined;
    if (!eventName || (eventName === 'MODIFY' && JSON.stringify(change.oldImage) === JSON.stringify(change.newImage))) return;
    this.sequence += 1n;
    const view = table.streamViewType ?? 'KEYS_ONLY';
    const record: StreamRecord = {
      eventID: this.sequence.toString(16),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      eventSourceARN: table.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: change.keys,
        ...((view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES') && change.newImage ? { NewImage: change.newImage } : {}),
        ...((view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES') && change.oldImage ? { OldImage: change.oldImage } : {}),
        SequenceNumber: this.sequence.toString(),
        SizeBytes: JSON.stringify([change.keys, change.oldImage ?? {}, change.newImage ?? {}]).length,
        StreamViewType: view,
      },
      ...(change.expired && eventName === 'REMOVE' ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    };
    for (const reader of this.readers) if (reader.table === change.table) reader.offer(record);
  }

  /** Hands every buffered record over now and waits until the batches have run. */
  public async flush(): Promise<void> {
    await Promise.all(this.readers.map((reader) => reader.flush()));
  }

  /** Delivers what is buffered (and what those batches write in turn), then takes no more. */
  public async end(): Promise<void> {
    do await this.flush();
    while (this.readers.some((reader) => reader.pending > 0));
    this.ended = true;
  }
}

class MappingReader {
  private buffer: StreamRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  public constructor(
    private readonly mapping: EventSourceMappingModel,
    public readonly table: string,
    private readonly runner: FunctionRunner,
    private readonly log: (line: string) => void,
  ) {}

  public get pending(): number {
    return this.buffer.length;
  }

  public offer(record: StreamRecord): void {
    if (!matchesAnyFilter(this.mapping.filters, record)) return;
    this.buffer.push(record);
    if (this.buffer.length >= this.mapping.batchSize) this.handOver();
    else this.timer ??= setTimeout(() => this.handOver(), this.mapping.maximumBatchingWindowSeconds * 1000);
  }

  public async flush(): Promise<void> {
    this.handOver();
    await this.running;
  }

  private handOver(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.mapping.batchSize);
      this.running = this.running.then(() => this.deliver(batch));
    }
  }

  private async deliver(batch: StreamRecord[], attempt = 0): Promise<void> {
    const invocation = await this.runner.invoke({ Records: batch });
    const limit = this.mapping.maximumRetryAttempts < 0 ? LOCAL_RETRY_CAP : this.mapping.maximumRetryAttempts;
    let retry: StreamRecord[] = [];
    if (invocation.status === 'failed') {
      retry = batch;
      if (this.mapping.bisectBatchOnFunctionError && batch.length > 1 && attempt < limit) {
        const half = Math.ceil(batch.length / 2);
        await this.deliver(batch.slice(0, half), attempt + 1);
        await this.deliver(batch.slice(half), attempt + 1);
        return;
      }
    } else if (this.mapping.reportBatchItemFailures) {
      const failures = (invocation.result as { batchItemFailures?: { itemIdentifier?: string }[] } | null)?.batchItemFailures ?? [];
      // Lambda retries from the lowest failed sequence number on: it and every later record.
      const first = batch.findIndex((record) => failures.some((failure) => failure.itemIdentifier === record.dynamodb.SequenceNumber));
      if (first >= 0) retry = batch.slice(first);
    }
    if (retry.length === 0) return;
    if (attempt >= limit) {
      this.log(`WARN stream batch of ${String(retry.length)} records dropped after ${String(attempt + 1)} attempts (${this.mapping.logicalId} -> ${this.runner.fn.functionName})`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    await this.deliver(retry, attempt + 1);
  }
}
