/**
 * One SQS queue of the template, in memory, with the semantics code relies on: a message
 * is invisible for its delay (the queue's DelaySeconds or the message's), invisible for
 * the visibility timeout once received, visible again when not deleted in time (at least
 * once), dropped after the retention period (counted from its first enqueue, also in the
 * dead-letter queue, as SQS counts it), and moved to the redrive policy's dead-letter queue
 * by the receive that would exceed maxReceiveCount. FIFO queues keep each message group in
 * order (a group with a message in flight delivers nothing else) and drop a duplicate
 * (content-based or explicit deduplication id) sent within 5 minutes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { QueueModel } from '../assembly/local-app.js';

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64, as the JSON protocol carries blobs. */
  readonly BinaryValue?: string;
}

export interface SendInput {
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
  readonly MessageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

export interface SendOutput {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string;
  readonly SequenceNumber?: string;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfAttributes: string | undefined;
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: string | undefined;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  receiptHandle: string | undefined;
}

/** An SQS error: its JSON `__type` name, its query-protocol code (the SDK's error name), its status. */
export class SqsError extends Error {
  public constructor(
    public readonly type: string,
    public readonly queryCode: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string) => new SqsError('InvalidParameterValueException', 'InvalidParameterValue', message);

const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

export class SqsQueue {
  private messages: StoredMessage[] = [];
  private readonly deduplication = new Map<string, { messageId: string; until: number; sequenceNumber: string | undefined }>();
  private readonly listeners = new Set<() => void>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private sequence = 10n ** 19n;
  public readonly createdTimestamp = Math.floor(Date.now() / 1000);

  public constructor(
    public readonly model: QueueModel,
    /** The redrive policy's dead-letter queue, by ARN. */
    private readonly queueByArn: (arn: string) => SqsQueue | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `listener` whenever a message may have become visible; returns the unsubscribe. */
  public onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  public send(input: SendInput, senderId: string): SendOutput {
    const { model } = this;
    if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0) throw new SqsError('MissingParameter', 'MissingParameter', 'The request must contain the parameter MessageBody.');
    const size = Buffer.byteLength(input.MessageBody) + attributesSize(input.MessageAttributes);
    if (size > model.maximumMessageSize) throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${String(model.maximumMessageSize)} bytes.`);
    if (input.DelaySeconds !== undefined && (!Number.isInteger(input.DelaySeconds) || input.DelaySeconds < 0 || input.DelaySeconds > MAX_DELAY_SECONDS)) {
      throw invalidParameter(`Value ${String(input.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`);
    }
    let deduplicationId: string | undefined;
    if (model.fifo) {
      if (!input.MessageGroupId) throw new SqsError('MissingParameter', 'MissingParameter', 'The request must contain the parameter MessageGroupId.');
      // FIFO queues take the queue's delay only.
      if (input.DelaySeconds !== undefined && input.DelaySeconds !== 0) throw invalidParameter(`Value ${String(input.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
      deduplicationId = input.MessageDeduplicationId ?? (model.contentBasedDeduplication ? createHash('sha256').update(input.MessageBody).digest('hex') : undefined);
      if (!deduplicationId) throw invalidParameter('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    } else if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalidParameter(`Value ${String(input.MessageGroupId ?? input.MessageDeduplicationId)} for parameter ${input.MessageGroupId !== undefined ? 'MessageGroupId' : 'MessageDeduplicationId'} is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    const now = this.now();
    const md5OfBody = md5(input.MessageBody);
    const attributes = input.MessageAttributes ?? {};
    const md5OfAttributes = Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined;
    if (deduplicationId !== undefined) {
      const seen = this.deduplication.get(deduplicationId);
      if (seen && seen.until > now) return { MessageId: seen.messageId, MD5OfMessageBody: md5OfBody, ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes } : {}), ...(seen.sequenceNumber ? { SequenceNumber: seen.sequenceNumber } : {}) };
    }
    const sequenceNumber = model.fifo ? (this.sequence += 1n).toString() : undefined;
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.MessageBody,
      md5OfBody,
      attributes,
      md5OfAttributes,
      sentTimestamp: now,
      senderId,
      groupId: model.fifo ? input.MessageGroupId : undefined,
      deduplicationId,
      sequenceNumber,
      visibleAt: now + (input.DelaySeconds ?? model.delaySeconds) * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
    };
    if (deduplicationId !== undefined) this.deduplication.set(deduplicationId, { messageId: message.messageId, until: now + DEDUPLICATION_WINDOW_MS, sequenceNumber });
    this.messages.push(message);
    this.settle();
    return { MessageId: message.messageId, MD5OfMessageBody: md5OfBody, ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes } : {}), ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) };
  }

  /** A message moved here by another queue's redrive policy: same id, body and first enqueue time. */
  public adopt(message: StoredMessage): void {
    this.messages.push({ ...message, visibleAt: this.now(), receiveCount: 0, firstReceiveTimestamp: undefined, receiptHandle: undefined });
    this.settle();
  }

  /** Up to `max` visible messages, each now invisible for `visibilityTimeoutSeconds` (the queue's by default). */
  public receive(max: number, visibilityTimeoutSeconds?: number): StoredMessage[] {
    if (visibilityTimeoutSeconds !== undefined && (visibilityTimeoutSeconds < 0 || visibilityTimeoutSeconds > MAX_VISIBILITY_SECONDS)) {
      throw invalidParameter(`Value ${String(visibilityTimeoutSeconds)} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.`);
    }
    this.expire();
    const now = this.now();
    const redrive = this.model.redrivePolicy;
    const deadLetters = redrive ? this.queueByArn(redrive.deadLetterTargetArn) : undefined;
    const blockedGroups = new Set(this.messages.filter((message) => message.groupId !== undefined && message.receiveCount > 0 && message.visibleAt > now).map((message) => message.groupId));
    const received: StoredMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.groupId !== undefined && blockedGroups.has(message.groupId)) continue;
      if (redrive && deadLetters && message.receiveCount >= redrive.maxReceiveCount) {
        this.remove(message);
        deadLetters.adopt(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = Buffer.from(`${this.model.queueName}\u0000${message.messageId}\u0000${randomUUID()}`).toString('base64');
      message.visibleAt = now + (visibilityTimeoutSeconds ?? this.model.visibilityTimeoutSeconds) * 1000;
      // A FIFO group delivers its next message only after this one is deleted or visible again.
      if (message.groupId !== undefined) blockedGroups.add(message.groupId);
      received.push(message);
    }
    this.settle();
    return received;
  }

  public delete(receiptHandle: string): void {
    const message = this.byHandle(receiptHandle);
    // SQS accepts a handle of a message already deleted.
    if (message) this.remove(message);
  }

  public changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): void {
    if (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds < 0 || visibilityTimeoutSeconds > MAX_VISIBILITY_SECONDS) {
      throw invalidParameter(`Value ${String(visibilityTimeoutSeconds)} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.`);
    }
    const message = this.byHandle(receiptHandle);
    if (!message || message.receiptHandle !== receiptHandle || message.visibleAt <= this.now()) {
      throw new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'Message does not exist or is not available for visibility timeout change.');
    }
    message.visibleAt = this.now() + visibilityTimeoutSeconds * 1000;
    this.settle();
  }

  /** GetQueueAttributes' values. */
  public attributes(): Record<string, string> {
    this.expire();
    const now = this.now();
    const { model } = this;
    const count = (test: (message: StoredMessage) => boolean) => String(this.messages.filter(test).length);
    return {
      QueueArn: model.arn,
      ApproximateNumberOfMessages: count((message) => message.visibleAt <= now),
      ApproximateNumberOfMessagesNotVisible: count((message) => message.visibleAt > now && message.receiveCount > 0),
      ApproximateNumberOfMessagesDelayed: count((message) => message.visibleAt > now && message.receiveCount === 0),
      CreatedTimestamp: String(this.createdTimestamp),
      LastModifiedTimestamp: String(this.createdTimestamp),
      VisibilityTimeout: String(model.visibilityTimeoutSeconds),
      MaximumMessageSize: String(model.maximumMessageSize),
      MessageRetentionPeriod: String(model.messageRetentionSeconds),
      DelaySeconds: String(model.delaySeconds),
      ReceiveMessageWaitTimeSeconds: String(model.receiveMessageWaitTimeSeconds),
      SqsManagedSseEnabled: 'true',
      ...(model.redrivePolicy ? { RedrivePolicy: JSON.stringify(model.redrivePolicy) } : {}),
      ...(model.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: String(model.contentBasedDeduplication) } : {}),
    };
  }

  /** Every message, for tests and the log (the queue's content, in order). */
  public peek(): readonly StoredMessage[] {
    this.expire();
    return [...this.messages];
  }

  public close(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.listeners.clear();
  }

  private byHandle(receiptHandle: string): StoredMessage | undefined {
    const [queueName, messageId] = Buffer.from(String(receiptHandle), 'base64').toString('utf8').split('\u0000');
    if (queueName === undefined || messageId === undefined) throw new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`);
    return this.messages.find((message) => message.messageId === messageId);
  }

  private remove(message: StoredMessage): void {
    this.messages = this.messages.filter((candidate) => candidate !== message);
  }

  private expire(): void {
    const oldest = this.now() - this.model.messageRetentionSeconds * 1000;
    if (this.messages.some((message) => message.sentTimestamp < oldest)) this.messages = this.messages.filter((message) => message.sentTimestamp >= oldest);
    for (const [id, seen] of this.deduplication) if (seen.until <= this.now()) this.deduplication.delete(id);
  }

  /** Tells the listeners now if a message is visible, and arranges to tell them when the next one becomes visible. */
  private settle(): void {
    const now = this.now();
    const next = Math.min(...this.messages.filter((message) => message.visibleAt > now).map((message) => message.visibleAt));
    if (next !== this.wakeAt) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = undefined;
      this.wakeAt = next;
      if (Number.isFinite(next)) {
        this.wakeTimer = setTimeout(() => {
          this.wakeAt = Number.POSITIVE_INFINITY;
          this.wakeTimer = undefined;
          this.settle();
        }, Math.max(0, next - now));
        this.wakeTimer.unref();
      }
    }
    if (this.messages.some((message) => message.visibleAt <= now)) for (const listener of [...this.listeners]) listener();
  }
}

export function md5(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}

function attributesSize(attributes: Readonly<Record<string, MessageAttributeValue>> | undefined): number {
  return Object.entries(attributes ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '') + Buffer.from(value.BinaryValue ?? '', 'base64').length,
    0,
  );
}

/** SQS's MD5 of message attributes: names sorted; each name, type, transport byte and value, length-prefixed. */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name] as MessageAttributeValue;
    lengthPrefixed(Buffer.from(name));
    lengthPrefixed(Buffer.from(value.DataType));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? ''));
    }
  }
  return md5(Buffer.concat(parts));
}
