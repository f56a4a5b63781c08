/**
 * SQS and EventBridge rules under the local runtime, on a CDK app that is not topicast
 * (test/fixtures/queues-and-rules), synthesized offline: a WebSocket route's function sends
 * messages and events as the SDK sends them (signed JSON); a consumer reads the queue
 * through its SqsEventSource (ReportBatchItemFailures); rules on a custom bus invoke a
 * function. What the consumers saw is read back from the app's own table.
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { synthesize } from '../../local-runtime/assembly/synthesize.js';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';

const APP_DIR = fileURLToPath(new URL('../fixtures/queues-and-rules', import.meta.url));
const WAIT_MS = 40_000;

interface Seen {
  readonly pk: string;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly batch: number;
}

describe('topicast local: SQS queues, SQS event source mappings and EventBridge rules from the template', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;
  let ws: WebSocket;
  let ddb: DynamoDBClient;
  const answers: string[] = [];
  let waiting: (() => void) | undefined;

  /** One frame to the producer; its answer (the two-way $default route's response). */
  async function ask(frame: Record<string, unknown>): Promise<{ status: number; queryError: string | null; body: Record<string, any> }> {
    const next = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    ws.send(JSON.stringify(frame));
    await next;
    return JSON.parse(answers.shift() as string);
  }

  async function seen(): Promise<Map<string, Seen>> {
    const items = (await ddb.send(new ScanCommand({ TableName: runtime.app.tables[0]?.tableName }))).Items ?? [];
    return new Map(items.map((item) => [String(item.pk?.S), { pk: String(item.pk?.S), sentAt: Number(item.sentAt?.N), receivedAt: Number(item.receivedAt?.N), batch: Number(item.batch?.N) }]));
  }

  async function waitFor(keys: readonly string[]): Promise<Map<string, Seen>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = await seen();
      if (keys.every((key) => found.has(key))) return found;
      if (Date.now() > deadline) throw new Error(`not seen within ${WAIT_MS} ms: ${keys.filter((key) => !found.has(key)).join(', ')}; seen: ${[...found.keys()].join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    const assemblyDir = await synthesize({ appDir: APP_DIR, context: {} });
    runtime = await startLocalRuntime({ assemblyDir, port: 0, write: (line) => lines.push(line) });
    ddb = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    ws = new WebSocket(runtime.apis[0]?.url ?? '');
    ws.on('message', (data: WebSocket.RawData) => {
      answers.push(String(data));
      waiting?.();
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  }, 120_000);
  afterAll(async () => {
    ws?.close();
    await runtime?.end();
  });

  it('serves the queues the template declares, with their settings and local URLs', () => {
    const work = runtime.app.queues.find((queue) => queue.logicalId.startsWith('Work') && !queue.logicalId.startsWith('WorkFailures'));
    expect(work).toMatchObject({ delaySeconds: 1, visibilityTimeoutSeconds: 3, redrivePolicy: { maxReceiveCount: 2 } });
    expect(work?.url).toMatch(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/000000000000\/QueuesAndRules-Work/);
    expect(runtime.queues.queue(work?.arn ?? '')?.attributes()).toMatchObject({ QueueArn: work?.arn, DelaySeconds: '1', VisibilityTimeout: '3' });
  });

  it('delivers after the queue delay, or the message delay, redelivers only the reported failure, and moves a message received maxReceiveCount times to the dead-letter queue', async () => {
    const answer = await ask({
      op: 'send',
      messages: [{ body: { id: 'plain' } }, { body: { id: 'delayed' }, delay: 3 }, { body: { id: 'flaky', failTimes: 1 } }, { body: { id: 'poison', failTimes: 99 } }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.Successful).toHaveLength(4);
    expect(answer.body.Failed).toEqual([]);

    const found = await waitFor(['seen#plain#1', 'seen#delayed#1', 'seen#flaky#1', 'seen#flaky#2', 'seen#poison#1', 'seen#poison#2']);
    // The queue's DeliveryDelay (1 s) and the message's DelaySeconds (3 s), counted from SQS's SentTimestamp.
    expect(found.get('seen#plain#1')!.receivedAt - found.get('seen#plain#1')!.sentAt).toBeGreaterThanOrEqual(1000);
    expect(found.get('seen#delayed#1')!.receivedAt - found.get('seen#delayed#1')!.sentAt).toBeGreaterThanOrEqual(3000);
    // The failure came back after the delay (1 s) and the visibility timeout (3 s) from its first receive; its batch mates were deleted.
    expect(found.get('seen#flaky#2')!.receivedAt - found.get('seen#flaky#2')!.sentAt).toBeGreaterThanOrEqual(4000);
    expect(found.has('seen#plain#2')).toBe(false);

    // Two receives (maxReceiveCount 2), then the third receive moves it to the dead-letter queue.
    const failuresArn = runtime.app.queues.find((queue) => queue.logicalId.startsWith('WorkFailures'))?.arn ?? '';
    const deadline = Date.now() + WAIT_MS;
    while (runtime.queues.queue(failuresArn)?.peek().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runtime.queues.queue(failuresArn)?.peek().map((message) => JSON.parse(message.body))).toEqual([{ id: 'poison', failTimes: 99 }]);
    const after = await seen();
    expect(after.has('seen#poison#3')).toBe(false);
    expect(after.has('seen#flaky#3')).toBe(false);
  }, 90_000);

  it('refuses a SendMessage the role has no grant for, as SQS refuses it', async () => {
    const answer = await ask({ op: 'send', queue: 'unlisted', messages: [{ body: { id: 'refused' } }] });
    expect(answer.status).toBe(403);
    expect(answer.queryError).toBe('AccessDenied;Sender');
    expect(answer.body.__type).toBe('com.amazon.coral.service#AccessDeniedException');
    expect(answer.body.message).toMatch(/is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:000000000000:QueuesAndRules-Unlisted/);
    expect(lines.some((line) => /^AccessDenied: .*Producer.* is not authorized to perform: sqs:SendMessage on resource: .*Unlisted/.test(line))).toBe(true);
    const unlisted = runtime.app.queues.find((queue) => queue.logicalId.startsWith('Unlisted'));
    expect(runtime.queues.queue(unlisted?.arn ?? '')?.peek()).toEqual([]);
  });

  it('does not run a mapping whose role may not read its queue, as Lambda refuses to create it', () => {
    expect(lines).toContainEqual(expect.stringMatching(/^WARN UnlistedMapping\w* is not run: .*does not have permissions to call ReceiveMessage on SQS/));
  });

  it('delivers to a rule target only the events its pattern matches, after PutEvents answered, transformed as the target says', async () => {
    const answer = await ask({
      op: 'put-events',
      events: [
        { source: 'test.app', detailType: 'wanted', detail: { id: 'e1', kind: 'abc' } },
        { source: 'test.app', detailType: 'wanted', detail: { id: 'e2', kind: 'xyz' } },
        { source: 'other.app', detailType: 'wanted', detail: { id: 'e3', kind: 'abc' } },
        { source: 'test.app', detailType: 'unwanted', detail: { id: 'e4', kind: 'abc' } },
        { source: 'test.app', detailType: 'transformed', detail: { id: 'e5' } },
      ],
    });
    expect(answer.body.FailedEntryCount).toBe(0);
    const found = await waitFor(['event#e1#wanted', 'input#e5']);
    // The deliveries of the same PutEvents are made by now: the others did not match.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await seen();
    expect([...after.keys()].filter((key) => key.startsWith('event#') || key.startsWith('input#')).sort()).toEqual(['event#e1#wanted', 'input#e5']);
    expect(found.size).toBeGreaterThan(0);
  }, 60_000);
});
