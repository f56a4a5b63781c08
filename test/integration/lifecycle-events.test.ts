/**
 * Lifecycle events against dynalite with the real handlers and the real presence stream
 * handler: route handlers write the table, the local stream capture turns their writes
 * into stream records, the presence handler publishes through the real PutEvents
 * publisher to the emulated bus (with faults injected), and occupancy is decided by the
 * real marker items. Holds: the events of real writes; occupancy crossing per batch;
 * at-least-once with stable ids through a stream retry; the cost of occupancy per batch;
 * the marker's transitions.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOccupancyMarkers } from '../../lambdas/adapters/dynamodb/occupancy-markers.js';
import type { DynamoStreamEvent, DynamoStreamRecord } from '../../lambdas/adapters/dynamodb/stream-records.js';
import type { JsonPost } from '../../lambdas/adapters/aws-json/json-post.js';
import { PutEventsPublisher } from '../../lambdas/adapters/eventbridge/put-events-publisher.js';
import { silentLogger, systemClock } from '../../lambdas/composition/system.js';
import { lifecycleChangesOf } from '../../lambdas/adapters/dynamodb/lifecycle-records.js';
import { publishLifecycleEvents } from '../../lambdas/core/use-cases/publish-lifecycle-events.js';
import { presenceStreamReaders } from '../../lambdas/core/presence-readers.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import { createPresenceStreamHandler } from '../../lambdas/handlers/presence-stream.js';
import { LocalEventBus, type LocalBusEvent } from '../../local-gateway/event-bus.js';
import { startCapturedTable, type CapturedTable } from '../support/captured-table.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/dynalite.js';
import { connectionId, createHarness, type Harness } from '../support/topicast-harness.js';

let table: CapturedTable;
let occupancyClient: DynamoDBClient;
const streamed: DynamoStreamRecord[] = [];
const occupancyRequests: string[] = [];
// The reader that publishes: the default window's (with window 0, as the harness sends diffs itself).
const reader = presenceStreamReaders(resolveConfig({ presence: { windowMs: 0 } }).presence)[0]!;

beforeAll(async () => {
  // Records are collected, not handed over: each test invokes the handler with the batches it means.
  table = await startCapturedTable(async (event) => {
    streamed.push(...event.Records);
    return { batchItemFailures: [] };
  });
  occupancyClient = new DynamoDBClient({ endpoint: table.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  occupancyClient.middlewareStack.add(
    (next, context) => async (args) => {
      occupancyRequests.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countOccupancyRequests' },
  );
});

afterAll(async () => {
  occupancyClient?.destroy();
  await table?.stop();
});

/** The records written since the last call, as the stream would carry them. */
async function takeRecords(): Promise<DynamoStreamEvent> {
  await table.flush();
  return { Records: streamed.splice(0) };
}

interface Setup {
  readonly h: Harness;
  readonly bus: LocalEventBus;
  readonly handler: ReturnType<typeof createPresenceStreamHandler>;
  /** Every PutEvents request body's entries' detail types, in order, accepted or not. */
  readonly attempts: string[][];
  readonly lifecycle: { readonly publisher: PutEventsPublisher; readonly markers: DynamoOccupancyMarkers };
}

/** The presence handler with lifecycle events to an emulated bus; `refuse` makes the bus refuse matching entries. */
function setup(refuse: (entry: { DetailType: string }) => boolean = () => false): Setup {
  const h = createHarness(table, { config: { lifecycleEvents: true } });
  const bus = new LocalEventBus(() => undefined);
  const attempts: string[][] = [];
  const post: JsonPost = async (_url, _headers, body) => {
    const entries = (JSON.parse(body) as { Entries: { DetailType: string }[] }).Entries;
    attempts.push(entries.map((entry) => entry.DetailType));
    const refused = entries.map(refuse);
    const kept = entries.filter((_, index) => !refused[index]);
    const answer = kept.length > 0 ? (bus.putEvents(JSON.stringify({ Entries: kept })).body as { Entries: object[] }).Entries : [];
    const results = refused.map((no) => (no ? { ErrorCode: 'InternalException', ErrorMessage: 'injected' } : answer.shift()));
    return { status: 200, body: JSON.stringify({ FailedEntryCount: refused.filter(Boolean).length, Entries: results }) };
  };
  const publisher = new PutEventsPublisher({
    eventBusName: 'test-bus',
    source: 'topicast',
    endpoint: 'http://events.test',
    region: TEST_REGION,
    credentials: async () => TEST_CREDENTIALS,
    logger: silentLogger,
    post,
    sleep: async () => undefined,
  });
  const markers = new DynamoOccupancyMarkers(DynamoDBDocumentClient.from(occupancyClient), table.tableName);
  const handler = createPresenceStreamHandler(() => ({ ...h.deps, reader, lifecycle: { publisher, markers } }));
  return { h, bus, handler, attempts, lifecycle: { publisher, markers } };
}

let topicCounter = 0;
const uniqueTopic = () => `room:lifecycle-${process.pid}-${(topicCounter += 1)}`;
const summary = (events: readonly LocalBusEvent[]) => [...events].reverse().map((event) => `${event.detailType} ${String(event.detail.topic ?? event.detail.connectionId)}`);

async function connectAndJoin(h: Harness, topic: string, label: string): Promise<string> {
  const id = connectionId(label);
  await h.connect(id);
  await h.send(id, { action: 'join', topic, payload: {} });
  return id;
}

describe('lifecycle events from real writes', () => {
  it('publishes connected and joined, then occupied; later left and disconnected, then vacated', async () => {
    // Prepare
    const { h, bus, handler } = setup();
    const topic = uniqueTopic();

    // Act: one batch of two connections joining, another of both leaving
    const alice = await connectAndJoin(h, topic, 'alice');
    const bob = await connectAndJoin(h, topic, 'bob');
    const first = await handler(await takeRecords());
    await h.send(bob, { action: 'leave', topic });
    await h.disconnect(alice);
    const second = await handler(await takeRecords());

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(summary(bus.events())).toEqual([
      `connected ${alice}`,
      `joined ${topic}`,
      `connected ${bob}`,
      `joined ${topic}`,
      `occupied ${topic}`,
      `left ${topic}`,
      // $disconnect deletes the connection item first (the write protocol's rule 4), then its subscriptions
      `disconnected ${alice}`,
      `left ${topic}`,
      `vacated ${topic}`,
    ]);
    expect(bus.events().find((event) => event.detailType === 'disconnected')?.detail.reason).toBe('closed');
  });

  it('announces neither occupied nor vacated for a topic occupied and vacated within one batch', async () => {
    // Prepare
    const { h, bus, handler } = setup();
    const topic = uniqueTopic();

    // Act
    const carol = await connectAndJoin(h, topic, 'carol');
    await h.send(carol, { action: 'leave', topic });
    await handler(await takeRecords());

    // Assess
    expect(summary(bus.events())).toEqual([`connected ${carol}`, `joined ${topic}`, `left ${topic}`]);
  });
});

describe('at least once', () => {
  it('retries from the topic\'s first record when an event is refused, and the retry publishes it under the same id', async () => {
    // Prepare: the bus refuses `occupied` for the first three requests (all the publisher's attempts)
    let refusals = 3;
    const { h, bus, handler, attempts } = setup((entry) => entry.DetailType === 'occupied' && refusals-- > 0);
    const topic = uniqueTopic();
    const dave = await connectAndJoin(h, topic, 'dave');
    const batch = await takeRecords();
    const joinRecord = batch.Records.find((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('t#')) as DynamoStreamRecord;

    // Act: the batch, then what the stream does with the answer
    const first = await handler(batch);
    const from = batch.Records.findIndex((record) => record.dynamodb?.SequenceNumber === first.batchItemFailures[0]?.itemIdentifier);
    const retried = await handler({ Records: batch.Records.slice(from) });

    // Assess: the failure names the join's record; the retry re-sends from there
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: joinRecord.dynamodb?.SequenceNumber }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(attempts.flat().filter((type) => type === 'occupied')).toHaveLength(4);
    // Assess: occupied reached the bus once, under the id the first attempt gave it; joined twice, under one id
    const occupied = bus.events().filter((event) => event.detailType === 'occupied');
    expect(occupied.map((event) => event.detail.eventId)).toEqual([`${joinRecord.eventID}.occupied`]);
    const joined = bus.events().filter((event) => event.detailType === 'joined');
    expect(joined).toHaveLength(2);
    expect(new Set(joined.map((event) => event.detail.eventId))).toEqual(new Set([joinRecord.eventID]));
    expect(summary(bus.events()).filter((line) => line.startsWith('connected'))).toEqual([`connected ${dave}`]);
  });
});

describe('occupancy cost and markers', () => {
  it('costs one Query and one UpdateItem per topic and batch, however many members join, and one PutEvents per 10 events', async () => {
    // Prepare
    const { h, bus, handler, attempts } = setup();
    const topic = uniqueTopic();
    for (let i = 0; i < 30; i += 1) await connectAndJoin(h, topic, `m${i}`);
    const batch = await takeRecords();
    occupancyRequests.length = 0;

    // Act
    await handler(batch);

    // Assess
    expect(occupancyRequests.sort()).toEqual(['QueryCommand', 'UpdateItemCommand']);
    expect(bus.events().filter((event) => event.detailType === 'joined')).toHaveLength(30);
    expect(bus.events().filter((event) => event.detailType === 'occupied')).toHaveLength(1);
    // 30 connected, 30 joined, 1 occupied: 61 events in 7 requests
    expect(attempts.map((entries) => entries.length)).toEqual([10, 10, 10, 10, 10, 10, 1]);
  });

  it('lets one transition win each way, returns it again to its own retry, and keeps a TTL on the marker', async () => {
    // Prepare
    const markers = new DynamoOccupancyMarkers(table.documentClient, table.tableName);
    const topic = uniqueTopic();

    // Act & Assess: occupied by the first, held against the second, its own id again on retry
    expect(await markers.markOccupied(topic, 'a.occupied', 2_000_000_000)).toBe('a.occupied');
    expect(await markers.markOccupied(topic, 'b.occupied', 2_000_000_100)).toBe('a.occupied');
    expect(await markers.markOccupied(topic, 'a.occupied', 2_000_000_200)).toBe('a.occupied');
    // Act & Assess: vacated once; the same transition again is its retry, another is refused
    expect(await markers.markVacant(topic, 'c.vacated', 2_000_000_300)).toBe(true);
    expect(await markers.markVacant(topic, 'c.vacated', 2_000_000_300)).toBe(true);
    expect(await markers.markVacant(topic, 'd.vacated', 2_000_000_400)).toBe(false);
    // Act & Assess: a topic never occupied cannot be vacated
    expect(await markers.markVacant(uniqueTopic(), 'e.vacated', 2_000_000_500)).toBe(false);
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: { pk: `l#${topic}`, sk: 'l' } }));
    expect(Item).toEqual({ pk: `l#${topic}`, sk: 'l', vac: 'c.vacated', expiresAt: 2_000_000_300 });
  });

  it('finds a member in any shard of a sharded topic', async () => {
    // Prepare
    const markers = new DynamoOccupancyMarkers(table.documentClient, table.tableName);
    const topic = uniqueTopic();

    // Act
    const before = await markers.isOccupied(topic, 4);
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { pk: `t#${topic}#3`, sk: 'C1=', endpoint: 'http://x', v: 1, expiresAt: 2_000_000_000 } }));
    const after = await markers.isOccupied(topic, 4);

    // Assess
    expect(before).toBe(false);
    expect(after).toBe(true);
    await table.flush();
    streamed.length = 0;
  });
});

describe('a retried batch (issue 18)', () => {
  it('publishes nothing after a refused request, so its retry sends no event twice, and vacated follows the last left', async () => {
    // Prepare: dave's topic is occupied; the bus refuses `left` for the publisher's three attempts
    let refusals = 3;
    const { h, bus, handler } = setup((entry) => entry.DetailType === 'left' && refusals-- > 0);
    const topic = uniqueTopic();
    const dave = await connectAndJoin(h, topic, 'dave');
    await handler(await takeRecords());
    // Nine connections, then dave's leave (the tenth event: the end of the first PutEvents request), then four more
    for (let i = 0; i < 9; i += 1) await h.connect(connectionId(`before${i}`));
    await h.send(dave, { action: 'leave', topic });
    for (let i = 0; i < 4; i += 1) await h.connect(connectionId(`after${i}`));
    const batch = await takeRecords();

    // Act: the batch, then what the stream does with the answer
    const first = await handler(batch);
    const from = batch.Records.findIndex((record) => record.dynamodb?.SequenceNumber === first.batchItemFailures[0]?.itemIdentifier);
    const retried = await handler({ Records: batch.Records.slice(from) });

    // Assess: the retry starts at the leave and ends the batch
    expect(from).toBeGreaterThan(0);
    expect(retried.batchItemFailures).toEqual([]);
    // Assess: every event reached the bus once, and vacated after the left that emptied the topic
    const ids = bus.events().map((event) => String(event.detail.eventId));
    expect(new Set(ids).size).toBe(ids.length);
    const lines = summary(bus.events());
    expect(lines.filter((line) => line.startsWith('connected'))).toHaveLength(1 + 9 + 4);
    expect(lines.indexOf(`vacated ${topic}`)).toBeGreaterThan(lines.indexOf(`left ${topic}`));
  });

  it('leaves the records from where the presence announcement failed to the retry that follows', async () => {
    // Prepare
    const { h, bus, lifecycle } = setup();
    const topic = uniqueTopic();
    const erin = await connectAndJoin(h, topic, 'erin');
    const frank = await connectAndJoin(h, topic, 'frank');
    const batch = await takeRecords();
    const changes = lifecycleChangesOf(batch, Date.now());
    const frankConnected = changes.find((change) => change.kind === 'connection' && change.connectionId === frank)!;

    // Act: the presence announcement will make the stream retry from frank's connection
    const published = await publishLifecycleEvents({ ...lifecycle, config: h.config, clock: systemClock, logger: silentLogger }, changes, frankConnected.sequenceNumber);

    // Assess: erin's events and the topic's occupied went out; nothing from frank's record on
    expect(published.retryFrom).toBeNull();
    expect(summary(bus.events())).toEqual([`connected ${erin}`, `joined ${topic}`, `occupied ${topic}`]);
  });
});
