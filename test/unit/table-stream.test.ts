/**
 * The local stream emulator's event source mapping semantics: a batch after the window
 * opened by its first record, or at once when full; the reader's filter; one batch at a
 * time, in order; a retry from the record the handler reports, then the batch is dropped.
 */
import { describe, expect, it } from 'vitest';
import type { DynamoStreamEvent, StreamBatchResponse } from '../../lambdas/adapters/dynamodb/stream-records.js';
import { PRESENCE_STREAM_MAPPING, type PresenceStreamReader } from '../../lambdas/core/presence-readers.js';
import { silentLogger } from '../../lambdas/composition/system.js';
import { LocalTableStream } from '../../local-gateway/table-stream.js';

const topicWrite = (topic: string, sk: string, removed = false) => ({
  keys: { pk: { S: `t#${topic}#0` }, sk: { S: sk } },
  ...(removed ? { oldImage: { pk: { S: `t#${topic}#0` }, sk: { S: sk } } } : { newImage: { pk: { S: `t#${topic}#0` }, sk: { S: sk } } }),
});

function streamWith(reader: PresenceStreamReader, respond: (event: DynamoStreamEvent) => StreamBatchResponse = () => ({ batchItemFailures: [] })) {
  const batches: { at: number; event: DynamoStreamEvent }[] = [];
  const stream = new LocalTableStream({ tableName: 't', region: 'us-east-1', logger: silentLogger }, [
    { reader, invoke: async (event) => (batches.push({ at: Date.now(), event }), respond(event)) },
  ]);
  return { stream, batches };
}

const keysOf = (event: DynamoStreamEvent) => event.Records.map((r) => r.dynamodb?.Keys?.sk?.S);

describe('local table stream', () => {
  it('hands over the records of a window as one batch once the window is up', async () => {
    // Prepare
    const { stream, batches } = streamWith({ windowSeconds: 1, windowMs: 150, prefixes: null });
    const started = Date.now();

    // Act
    stream.record(topicWrite('a', '1'));
    stream.record(topicWrite('b', '2'));
    stream.record(topicWrite('a', '3', true));
    stream.record({ keys: { pk: { S: 'c#x' }, sk: { S: 'c' } }, newImage: { pk: { S: 'c#x' }, sk: { S: 'c' } } });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess: one batch, topic items only, INSERT/REMOVE with images and rising sequence numbers
    expect(batches).toHaveLength(1);
    expect(batches[0]!.at - started).toBeGreaterThanOrEqual(140);
    const records = batches[0]!.event.Records;
    expect(keysOf(batches[0]!.event)).toEqual(['1', '2', '3']);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'REMOVE']);
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
    expect(records[2]!.dynamodb!.OldImage).toBeDefined();
  });

  it('records TTL deletions with DynamoDB\'s identity, and only deletions', async () => {
    // Prepare
    const { stream, batches } = streamWith({ windowSeconds: 0, windowMs: 0, prefixes: null });

    // Act
    stream.record({ ...topicWrite('a', '1', true), expired: true });
    await stream.flush();

    // Assess
    expect(batches[0]!.event.Records[0]!.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });

  it('passes only the prefixes of a filtered reader', async () => {
    // Prepare
    const { stream, batches } = streamWith({ windowSeconds: 5, windowMs: 10, prefixes: ['t#lobby:'] });

    // Act
    stream.record(topicWrite('lobby:1', '1'));
    stream.record(topicWrite('room:1', '2'));
    await stream.flush();

    // Assess
    expect(batches.map((b) => keysOf(b.event))).toEqual([['1']]);
  });

  it('passes created and deleted connection items to the lifecycle-event reader only, never their updates', async () => {
    // Prepare: the default reader publishing events, and a second reader that does not
    const batches: { reader: number; event: DynamoStreamEvent }[] = [];
    const stream = new LocalTableStream({ tableName: 't', region: 'us-east-1', logger: silentLogger }, [
      { reader: { windowSeconds: 1, windowMs: 10, prefixes: null }, connectionItems: true, invoke: async (event) => (batches.push({ reader: 0, event }), { batchItemFailures: [] }) },
      { reader: { windowSeconds: 5, windowMs: 10, prefixes: ['t#'] }, invoke: async (event) => (batches.push({ reader: 1, event }), { batchItemFailures: [] }) },
    ]);
    const connection = { pk: { S: 'c#x' }, sk: { S: 'c' } };

    // Act
    stream.record({ keys: connection, newImage: connection });
    stream.record({ keys: connection, oldImage: connection, newImage: { ...connection, seq: { N: '1' } } });
    stream.record({ keys: { pk: { S: 'c#x' }, sk: { S: 's#room:a' } }, newImage: { pk: { S: 'c#x' }, sk: { S: 's#room:a' } } });
    stream.record({ keys: connection, oldImage: connection, expired: true });
    await stream.flush();

    // Assess
    expect(batches.map((b) => b.reader)).toEqual([0]);
    expect(batches[0]!.event.Records.map((r) => `${r.eventName} ${r.dynamodb?.Keys?.pk?.S} ${r.userIdentity ? 'ttl' : ''}`)).toEqual(['INSERT c#x ', 'REMOVE c#x ttl']);
  });

  it('hands over a full batch without waiting for the window', async () => {
    // Prepare
    const { stream, batches } = streamWith({ windowSeconds: 300, windowMs: 60_000, prefixes: null });

    // Act
    for (let i = 0; i < PRESENCE_STREAM_MAPPING.batchSize + 1; i += 1) stream.record(topicWrite('a', String(i)));
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(batches.map((b) => b.event.Records.length)).toEqual([PRESENCE_STREAM_MAPPING.batchSize]);
    await stream.end();
    expect(batches.map((b) => b.event.Records.length)).toEqual([PRESENCE_STREAM_MAPPING.batchSize, 1]);
  });

  it('retries from the reported record, then drops the batch after the retries', async () => {
    // Prepare: the handler always fails from the second record
    const { stream, batches } = streamWith({ windowSeconds: 0, windowMs: 0, prefixes: null }, (event) => ({
      batchItemFailures: [{ itemIdentifier: (event.Records[1] ?? event.Records[0])!.dynamodb!.SequenceNumber! }],
    }));

    // Act
    stream.record(topicWrite('a', '1'));
    stream.record(topicWrite('a', '2'));
    stream.record(topicWrite('a', '3'));
    await stream.flush();

    // Assess: the first attempt has all three, each retry starts at the reported record
    expect(batches.map((b) => keysOf(b.event))).toEqual([['1', '2', '3'], ['2', '3'], ['3'], ['3']]);
    expect(batches).toHaveLength(1 + PRESENCE_STREAM_MAPPING.retryAttempts);
  });
});
