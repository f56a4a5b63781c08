/**
 * The template runtime's DynamoDB Streams event source mappings (local-runtime/streams/
 * table-streams.ts): a batch once the mapping's batching window is up, or at once when full;
 * the mapping's filters; one batch at a time, in order; TTL deletions with DynamoDB's identity;
 * retries from the first reported failure, or halves after a function error, then the batch
 * is dropped with a warning. The function is a stand-in that records its batches: what runs a
 * real one is function-runner's subject.
 */
import { describe, expect, it } from 'vitest';
import type { EventSourceMappingModel, FunctionModel, TableModel } from '../../local-runtime/assembly/local-app.js';
import type { FunctionRunner, Invocation } from '../../local-runtime/runner/function-runner.js';
import { TableStreams, type ItemChange } from '../../local-runtime/streams/table-streams.js';

type Json = EventSourceMappingModel['filters'][number];

interface StreamEvent {
  Records: { eventName: string; userIdentity?: unknown; dynamodb: { Keys: { pk: { S: string }; sk: { S: string } }; SequenceNumber: string; OldImage?: unknown; NewImage?: unknown } }[];
}

const TABLE: TableModel = {
  logicalId: 'Table',
  tableName: 'table',
  arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/table',
  streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/table/stream/2026-01-01T00:00:00.000',
  streamViewType: 'NEW_AND_OLD_IMAGES',
  ttlAttribute: 'expiresAt',
  createTable: {},
};

function mapping(overrides: Partial<EventSourceMappingModel> = {}): EventSourceMappingModel {
  return {
    logicalId: 'Mapping',
    eventSourceArn: TABLE.streamArn as string,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:reader',
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    filters: [],
    reportBatchItemFailures: true,
    maximumRetryAttempts: 2,
    bisectBatchOnFunctionError: false,
    enabled: true,
    maximumConcurrency: undefined,
    ...overrides,
  };
}

/** A function that records each batch and answers with `respond`'s outcome. */
function recordingRunner(respond: (event: StreamEvent) => Invocation = () => ({ status: 'returned', result: { batchItemFailures: [] }, requestId: 'r' })) {
  const batches: { at: number; event: StreamEvent }[] = [];
  const runner = {
    fn: { functionName: 'reader' } as FunctionModel,
    invoke: async (event: unknown) => {
      batches.push({ at: Date.now(), event: event as StreamEvent });
      return respond(event as StreamEvent);
    },
  } as unknown as FunctionRunner;
  return { runner, batches };
}

function streamsWith(mappings: readonly EventSourceMappingModel[], respond?: (event: StreamEvent) => Invocation) {
  const { runner, batches } = recordingRunner(respond);
  const lines: string[] = [];
  const streams = new TableStreams([TABLE], mappings, new Map([[mappings[0]?.functionArn ?? '', runner]]), (line) => lines.push(line));
  return { streams, batches, lines };
}

const item = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const insert = (pk: string, sk: string): ItemChange => ({ table: 'table', keys: item(pk, sk), oldImage: undefined, newImage: item(pk, sk) });
const remove = (pk: string, sk: string, expired = false): ItemChange => ({ table: 'table', keys: item(pk, sk), oldImage: item(pk, sk), newImage: undefined, expired });
const keysOf = (event: StreamEvent) => event.Records.map((record) => record.dynamodb.Keys.sk.S);
const failFrom = (index: number) => (event: StreamEvent): Invocation => ({
  status: 'returned',
  result: { batchItemFailures: [{ itemIdentifier: (event.Records[index] ?? event.Records[0])?.dynamodb.SequenceNumber }] },
  requestId: 'r',
});

describe('the template runtime’s table streams', () => {
  it('hands over the records of a batching window as one batch once the window is up, in order, with their images', async () => {
    // Prepare
    const { streams, batches } = streamsWith([mapping({ maximumBatchingWindowSeconds: 1 })]);
    const started = Date.now();

    // Act
    streams.record(insert('t#a#0', '1'));
    streams.record(insert('t#b#0', '2'));
    streams.record(remove('t#a#0', '3'));
    await new Promise((resolve) => setTimeout(resolve, 1300));

    // Assess
    expect(batches).toHaveLength(1);
    expect(batches[0]!.at - started).toBeGreaterThanOrEqual(990);
    const records = batches[0]!.event.Records;
    expect(keysOf(batches[0]!.event)).toEqual(['1', '2', '3']);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'INSERT', 'REMOVE']);
    const sequence = records.map((record) => BigInt(record.dynamodb.SequenceNumber));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
    expect(records[2]!.dynamodb.OldImage).toBeDefined();
    expect(records[0]!.dynamodb.NewImage).toBeDefined();
  });

  it('records a TTL deletion with DynamoDB’s identity, and a caller’s deletion without it', async () => {
    // Prepare
    const { streams, batches } = streamsWith([mapping()]);

    // Act
    streams.record(remove('t#a#0', '1', true));
    streams.record(remove('t#a#0', '2'));
    await streams.flush();

    // Assess
    const records = batches.flatMap((batch) => batch.event.Records);
    expect(records.map((record) => record.userIdentity)).toEqual([{ type: 'Service', principalId: 'dynamodb.amazonaws.com' }, undefined]);
  });

  it('passes only what the mapping’s filters match', async () => {
    // Prepare: a prefix filter on the partition key, as topicast's presence readers have
    const filter = { dynamodb: { Keys: { pk: { S: [{ prefix: 't#lobby:' }] } } } } as unknown as Json;
    const { streams, batches } = streamsWith([mapping({ filters: [filter] })]);

    // Act
    streams.record(insert('t#lobby:1#0', '1'));
    streams.record(insert('t#room:1#0', '2'));
    await streams.flush();

    // Assess
    expect(batches.map((batch) => keysOf(batch.event))).toEqual([['1']]);
  });

  it('records no MODIFY whose images are equal (a write that changed nothing)', async () => {
    // Prepare
    const { streams, batches } = streamsWith([mapping()]);

    // Act
    streams.record({ table: 'table', keys: item('c#x', 'c'), oldImage: item('c#x', 'c'), newImage: item('c#x', 'c') });
    streams.record({ table: 'table', keys: item('c#x', 'c'), oldImage: item('c#x', 'c'), newImage: { ...item('c#x', 'c'), seq: { N: '1' } } });
    await streams.flush();

    // Assess
    expect(batches.flatMap((batch) => batch.event.Records.map((record) => record.eventName))).toEqual(['MODIFY']);
  });

  it('hands over a full batch without waiting for the window', async () => {
    // Prepare
    const { streams, batches } = streamsWith([mapping({ batchSize: 3, maximumBatchingWindowSeconds: 300 })]);

    // Act
    for (let i = 0; i < 4; i += 1) streams.record(insert('t#a#0', String(i)));
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess: the full batch at once, the rest when the stream ends
    expect(batches.map((batch) => batch.event.Records.length)).toEqual([3]);
    await streams.end();
    expect(batches.map((batch) => batch.event.Records.length)).toEqual([3, 1]);
  });

  it('retries from the first reported failure on, then drops the batch after the mapping’s retries', async () => {
    // Prepare: the function always fails from the second record
    const { streams, batches, lines } = streamsWith([mapping({ maximumRetryAttempts: 2 })], failFrom(1));

    // Act
    for (const sk of ['1', '2', '3']) streams.record(insert('t#a#0', sk));
    await streams.flush();

    // Assess: each retry starts at the reported record; 1 attempt + 2 retries
    expect(batches.map((batch) => keysOf(batch.event))).toEqual([['1', '2', '3'], ['2', '3'], ['3']]);
    expect(lines.some((line) => line.startsWith('WARN stream batch of 1 records dropped after 3 attempts'))).toBe(true);
  });

  it('splits a batch whose function failed in halves when the mapping bisects', async () => {
    // Prepare: the function fails any batch holding record 2
    const failing = (event: StreamEvent): Invocation =>
      keysOf(event).includes('2') ? { status: 'failed', error: { errorType: 'Error', errorMessage: 'record 2' }, timedOut: false, requestId: 'r' } : { status: 'returned', result: null, requestId: 'r' };
    const { streams, batches } = streamsWith([mapping({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 3, reportBatchItemFailures: false })], failing);

    // Act
    for (const sk of ['1', '2', '3', '4']) streams.record(insert('t#a#0', sk));
    await streams.flush();

    // Assess: the halves without record 2 go through once; the one with it is retried until dropped
    const delivered = batches.map((batch) => keysOf(batch.event).join(''));
    expect(delivered.slice(0, 3)).toEqual(['1234', '12', '1']);
    expect(delivered.filter((keys) => keys === '34')).toHaveLength(1);
    expect(delivered.filter((keys) => keys === '1')).toHaveLength(1);
    expect(delivered.filter((keys) => keys.includes('2')).length).toBeGreaterThan(2);
  });
});
