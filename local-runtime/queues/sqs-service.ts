/**
 * SQS behind the local AWS endpoint, in the JSON protocol the AWS SDK v3 speaks
 * (`x-amz-target: AmazonSQS.<Operation>`, `application/x-amz-json-1.0`; its errors carry
 * `__type` and, for the SDK's query-compatible error names, `x-amzn-query-error`). A
 * request names its queue by URL (any host: only the account and name are read); IAM is
 * asked for the operation's action on the queue's ARN, as SQS asks (a batch is its single
 * action: `SendMessageBatch` needs `sqs:SendMessage`).
 */
import type { QueueModel } from '../assembly/local-app.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../assembly/local-app.js';
import { SqsError, SqsQueue, invalidParameter, type SendInput, type StoredMessage } from './sqs-queue.js';

type Body = Record<string, unknown>;

export interface SqsAccess {
  readonly action: string;
  readonly resource: string;
}

export interface SqsAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly queryError?: string;
}

const BATCH_ACTION: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 262_144;
const MAX_WAIT_SECONDS = 20;

export class SqsService {
  private readonly byName = new Map<string, SqsQueue>();
  private readonly byArn = new Map<string, SqsQueue>();

  /**
   * @param localUrl the URL a function uses for a queue (GetQueueUrl's answer): the template's, with the runtime's host
   */
  public constructor(
    queues: readonly QueueModel[],
    private readonly localUrl: (queue: QueueModel) => string = (queue) => queue.url,
  ) {
    for (const model of queues) {
      const queue = new SqsQueue(model, (arn) => this.byArn.get(arn));
      this.byName.set(model.queueName, queue);
      this.byArn.set(model.arn, queue);
    }
  }

  public queue(arnOrName: string): SqsQueue | undefined {
    return this.byArn.get(arnOrName) ?? this.byName.get(arnOrName);
  }

  /** The permission the request needs, or undefined for an operation not served. */
  public accessOf(target: string, body: Body): SqsAccess | undefined {
    const operation = target.replace(/^AmazonSQS\./, '');
    if (operation === 'ListQueues') return { action: 'sqs:ListQueues', resource: '*' };
    const name = operation === 'GetQueueUrl' ? String(body.QueueName ?? '') : queueNameOf(body.QueueUrl);
    const account = operation === 'GetQueueUrl' ? String(body.QueueOwnerAWSAccountId ?? LOCAL_ACCOUNT) : (accountOf(body.QueueUrl) ?? LOCAL_ACCOUNT);
    return { action: `sqs:${BATCH_ACTION[operation] ?? operation}`, resource: `arn:aws:sqs:${LOCAL_REGION}:${account}:${name}` };
  }

  public async handle(target: string, body: Body, senderId: string): Promise<SqsAnswer> {
    const operation = target.replace(/^AmazonSQS\./, '');
    try {
      return { status: 200, body: await this.operate(operation, body, senderId) };
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      return { status: error.status, body: { __type: `com.amazonaws.sqs#${error.type}`, message: error.message }, queryError: `${error.queryCode};Sender` };
    }
  }

  public close(): void {
    for (const queue of this.byName.values()) queue.close();
  }

  private async operate(operation: string, body: Body, senderId: string): Promise<Record<string, unknown>> {
    if (operation === 'ListQueues') {
      const prefix = String(body.QueueNamePrefix ?? '');
      return { QueueUrls: [...this.byName.values()].filter((queue) => queue.model.queueName.startsWith(prefix)).map((queue) => this.localUrl(queue.model)) };
    }
    if (operation === 'GetQueueUrl') {
      const queue = this.byName.get(String(body.QueueName ?? ''));
      if (!queue) throw nonExistent();
      return { QueueUrl: this.localUrl(queue.model) };
    }
    const queue = this.byName.get(queueNameOf(body.QueueUrl));
    if (!queue) throw nonExistent();
    switch (operation) {
      case 'SendMessage':
        return { ...queue.send(body as unknown as SendInput, senderId) };
      case 'SendMessageBatch': {
        const entries = batchEntries(body);
        const total = entries.reduce((sum, entry) => sum + Buffer.byteLength(String(entry.MessageBody ?? '')), 0);
        if (total > MAX_BATCH_BYTES) throw new SqsError('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', `Batch requests cannot be longer than ${String(MAX_BATCH_BYTES)} bytes.`);
        return eachEntry(entries, (entry) => ({ Id: entry.Id, ...queue.send(entry as unknown as SendInput, senderId) }));
      }
      case 'ReceiveMessage':
        return { Messages: (await this.receive(queue, body)).map((message) => messageOutput(message, body)) };
      case 'DeleteMessage':
        queue.delete(String(body.ReceiptHandle ?? ''));
        return {};
      case 'DeleteMessageBatch':
        return eachEntry(batchEntries(body), (entry) => {
          queue.delete(String(entry.ReceiptHandle ?? ''));
          return { Id: entry.Id };
        });
      case 'ChangeMessageVisibility':
        queue.changeVisibility(String(body.ReceiptHandle ?? ''), Number(body.VisibilityTimeout));
        return {};
      case 'ChangeMessageVisibilityBatch':
        return eachEntry(batchEntries(body), (entry) => {
          queue.changeVisibility(String(entry.ReceiptHandle ?? ''), Number(entry.VisibilityTimeout));
          return { Id: entry.Id };
        });
      case 'GetQueueAttributes': {
        const all = queue.attributes();
        const names = Array.isArray(body.AttributeNames) ? body.AttributeNames.map(String) : [];
        return { Attributes: names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name))) };
      }
      default:
        throw new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', `the local runtime does not serve SQS ${operation}`);
    }
  }

  /** ReceiveMessage, long polling for up to WaitTimeSeconds (or the queue's ReceiveMessageWaitTimeSeconds). */
  private async receive(queue: SqsQueue, body: Body): Promise<StoredMessage[]> {
    const max = Number(body.MaxNumberOfMessages ?? 1);
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH_ENTRIES) throw invalidParameter(`Value ${String(body.MaxNumberOfMessages)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    const wait = Number(body.WaitTimeSeconds ?? queue.model.receiveMessageWaitTimeSeconds);
    if (wait < 0 || wait > MAX_WAIT_SECONDS) throw invalidParameter(`Value ${String(wait)} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    const visibility = body.VisibilityTimeout === undefined ? undefined : Number(body.VisibilityTimeout);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const messages = queue.receive(max, visibility);
      if (messages.length > 0 || Date.now() >= deadline) return messages;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, deadline - Date.now());
        const unsubscribe = queue.onAvailable(done);
        function done() {
          clearTimeout(timer);
          unsubscribe();
          resolve();
        }
      });
    }
  }
}

function queueNameOf(url: unknown): string {
  const text = String(url ?? '');
  return text.slice(text.lastIndexOf('/') + 1);
}

function accountOf(url: unknown): string | undefined {
  const parts = String(url ?? '').split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

function nonExistent(): SqsError {
  return new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
}

function batchEntries(body: Body): Body[] {
  const entries = Array.isArray(body.Entries) ? (body.Entries as Body[]) : [];
  if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (entries.length > MAX_BATCH_ENTRIES) throw new SqsError('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${String(MAX_BATCH_ENTRIES)}. You have sent ${String(entries.length)}.`);
  if (new Set(entries.map((entry) => entry.Id)).size !== entries.length) throw new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Id should be unique in a single batch.');
  return entries;
}

/** A batch answer: each entry's own success, or its own failure (the others go on). */
function eachEntry(entries: readonly Body[], operate: (entry: Body) => Record<string, unknown>): Record<string, unknown> {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      Successful.push(operate(entry));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: true, Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful, Failed };
}

/** A received message as ReceiveMessage returns it: only the attributes asked for. */
function messageOutput(message: StoredMessage, body: Body): Record<string, unknown> {
  const wanted = [...(Array.isArray(body.AttributeNames) ? body.AttributeNames : []), ...(Array.isArray(body.MessageSystemAttributeNames) ? body.MessageSystemAttributeNames : [])].map(String);
  const system = systemAttributes(message);
  const attributes = wanted.includes('All') ? system : Object.fromEntries(Object.entries(system).filter(([name]) => wanted.includes(name)));
  const names = (Array.isArray(body.MessageAttributeNames) ? body.MessageAttributeNames : []).map(String);
  const chosen = Object.entries(message.attributes).filter(([name]) => names.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1)))));
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(message.md5OfAttributes ? { MD5OfMessageAttributes: message.md5OfAttributes } : {}),
    ...(chosen.length > 0 ? { MessageAttributes: Object.fromEntries(chosen) } : {}),
  };
}

/** The system attributes of a received message (Lambda's SQS records carry them too). */
export function systemAttributes(message: StoredMessage): Record<string, string> {
  return {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
    ...(message.deduplicationId !== undefined ? { MessageDeduplicationId: message.deduplicationId } : {}),
    ...(message.sequenceNumber !== undefined ? { SequenceNumber: message.sequenceNumber } : {}),
  };
}
