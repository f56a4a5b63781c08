/**
 * The pure parts of lifecycle events: stream records (as Lambda delivers them) to changes,
 * changes to events, the topics whose occupancy a batch must check, the config key, and
 * the PutEvents publisher's batching and retries over an injected HTTP post.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { lifecycleChangeOf } from '../../lambdas/adapters/dynamodb/lifecycle-records.js';
import { TTL_DELETION_IDENTITY, type DynamoStreamRecord } from '../../lambdas/adapters/dynamodb/stream-records.js';
import type { JsonPost } from '../../lambdas/adapters/aws-json/json-post.js';
import { PUT_EVENTS_LIMITS, PutEventsPublisher, eventsEndpointOf, regionOfBusArn } from '../../lambdas/adapters/eventbridge/put-events-publisher.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import {
  eventOfChange,
  passesConnectionItemFilter,
  topicsWithMembershipChanges,
  transitionIdOf,
  type LifecycleChange,
  type LifecycleEvent,
  type SubscriptionItemChange,
} from '../../lambdas/core/lifecycle-events.js';
import type { Logger } from '../../lambdas/core/ports.js';

const CONNECTED_AT = Date.UTC(2026, 10, 28, 12, 0, 0);

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', keys: { pk: string; sk: string }, images: { old?: Record<string, unknown>; new?: Record<string, unknown> }, sequence = '100', extra: Partial<DynamoStreamRecord> = {}): DynamoStreamRecord {
  return {
    eventID: `ev-${sequence}`,
    eventName,
    dynamodb: {
      ApproximateCreationDateTime: 1_800_000_000,
      Keys: marshall(keys),
      ...(images.old ? { OldImage: marshall({ ...keys, ...images.old }, { removeUndefinedValues: true }) } : {}),
      ...(images.new ? { NewImage: marshall({ ...keys, ...images.new }, { removeUndefinedValues: true }) } : {}),
      SequenceNumber: sequence,
    },
    ...extra,
  };
}

// Stream records below are written at 1_800_000_000 s; the items expire later, as live ones do.
const EXPIRES_AT = 1_800_007_500;
const connectionItem = { connectionId: 'C1=', endpoint: 'http://x', connectedAt: CONNECTED_AT, expiresAt: EXPIRES_AT, identity: JSON.stringify({ sub: 'alice', claims: { sub: 'alice', role: 'admin' } }), seq: 0, topics: {} };
const topicItem = (ref: string) => ({ endpoint: 'http://x', v: 1, expiresAt: EXPIRES_AT, presenceKey: 'alice', meta: JSON.stringify({ device: 'phone', phx_ref: ref }) });
const ttl = { userIdentity: { ...TTL_DELETION_IDENTITY } };
const change = (r: DynamoStreamRecord) => lifecycleChangeOf(r, 0) as LifecycleChange;

describe('stream records to lifecycle changes to events', () => {
  it('makes a created connection item connected, with the token subject and never its claims', () => {
    // Act
    const event = eventOfChange(change(record('INSERT', { pk: 'c#C1=', sk: 'c' }, { new: connectionItem })));

    // Assess
    expect(event).toEqual({
      detailType: 'connected',
      detail: { version: 1, eventId: 'ev-100', connectionId: 'C1=', user: 'alice', connectedAt: '2026-11-28T12:00:00.000Z' },
      timeMs: 1_800_000_000_000,
      sequenceNumber: '100',
    });
    expect(JSON.stringify(event)).not.toContain('admin');
  });

  it('makes a deleted connection item disconnected: closed when a function deleted it, expired when TTL did', () => {
    // Act
    const closed = eventOfChange(change(record('REMOVE', { pk: 'c#C1=', sk: 'c' }, { old: connectionItem })));
    const expired = eventOfChange(change(record('REMOVE', { pk: 'c#C1=', sk: 'c' }, { old: { ...connectionItem, identity: undefined } }, '101', ttl)));

    // Assess
    expect(closed).toMatchObject({ detailType: 'disconnected', detail: { connectionId: 'C1=', user: 'alice', reason: 'closed' } });
    expect(expired).toMatchObject({ detailType: 'disconnected', detail: { user: null, reason: 'expired', eventId: 'ev-101' } });
  });

  it('counts a deletion of an item already past its TTL as expired, whoever deleted it (a join or window reaping it)', () => {
    // Act
    const connection = eventOfChange(change(record('REMOVE', { pk: 'c#C1=', sk: 'c' }, { old: { ...connectionItem, expiresAt: 1_799_999_999 } })));
    const member = eventOfChange(change(record('REMOVE', { pk: 't#room:a#0', sk: 'C1=' }, { old: { ...topicItem('r1'), expiresAt: 1_799_999_999 } })));
    const atExpiry = eventOfChange(change(record('REMOVE', { pk: 't#room:a#0', sk: 'C1=' }, { old: { ...topicItem('r1'), expiresAt: 1_800_000_000 } })));

    // Assess
    expect(connection).toMatchObject({ detailType: 'disconnected', detail: { reason: 'expired' } });
    expect(member).toMatchObject({ detailType: 'left', detail: { reason: 'expired' } });
    expect(atExpiry).toMatchObject({ detailType: 'left', detail: { reason: 'removed' } });
  });

  it('announces nothing for a connection item update (a claim or a count)', () => {
    expect(eventOfChange(change(record('MODIFY', { pk: 'c#C1=', sk: 'c' }, { old: connectionItem, new: { ...connectionItem, seq: 1 } })))).toBeNull();
  });

  it('makes topic items joined and left with presence and topic (a # in the topic kept), and a rejoin nothing', () => {
    // Prepare
    const keys = { pk: 't#room:a#b#0', sk: 'C1=' };

    // Act
    const joined = eventOfChange(change(record('INSERT', keys, { new: topicItem('r1') })));
    const rejoined = eventOfChange(change(record('MODIFY', keys, { old: topicItem('r1'), new: topicItem('r2') })));
    const left = eventOfChange(change(record('REMOVE', keys, { old: topicItem('r2') })));
    const expired = eventOfChange(change(record('REMOVE', keys, { old: topicItem('r2') }, '103', ttl)));

    // Assess
    expect(joined).toMatchObject({ detailType: 'joined', detail: { topic: 'room:a#b', connectionId: 'C1=', presence: { key: 'alice', meta: { device: 'phone', phx_ref: 'r1' } } } });
    expect(rejoined).toBeNull();
    expect(left).toMatchObject({ detailType: 'left', detail: { topic: 'room:a#b', presence: { meta: { phx_ref: 'r2' } }, reason: 'removed' } });
    expect(expired).toMatchObject({ detailType: 'left', detail: { reason: 'expired' } });
  });

  it('gives members of topics without presence a null presence', () => {
    const joined = eventOfChange(change(record('INSERT', { pk: 't#news#0', sk: 'C9=' }, { new: { endpoint: 'http://x', v: 1, expiresAt: EXPIRES_AT } })));
    expect(joined).toMatchObject({ detailType: 'joined', detail: { topic: 'news', connectionId: 'C9=', presence: null } });
  });

  it('ignores every other item: connection rows, rate windows, history, kv, markers', () => {
    for (const keys of [{ pk: 'c#C1=', sk: 's#room:a' }, { pk: 'c#C1=', sk: 'r#100' }, { pk: 'h#room:a', sk: '#' }, { pk: 'kv#x', sk: 'kv' }, { pk: 'l#room:a', sk: 'l' }]) {
      expect(lifecycleChangeOf(record('INSERT', keys, { new: { expiresAt: 1 } }), 0), keys.pk).toBeNull();
    }
  });

  it('passes only created and deleted connection items through the connection filter, as the mapping does', () => {
    expect(passesConnectionItemFilter('c#C1=', 'c', 'INSERT')).toBe(true);
    expect(passesConnectionItemFilter('c#C1=', 'c', 'REMOVE')).toBe(true);
    expect(passesConnectionItemFilter('c#C1=', 'c', 'MODIFY')).toBe(false);
    expect(passesConnectionItemFilter('c#C1=', 's#room:a', 'INSERT')).toBe(false);
    expect(passesConnectionItemFilter('u#alice', 'c#C1=', 'INSERT')).toBe(false);
  });
});

describe('occupancy checks per batch', () => {
  it('checks each topic whose membership changed once, from its first change, and none for rewrites', () => {
    // Prepare
    const changes = [
      change(record('INSERT', { pk: 'c#C3=', sk: 'c' }, { new: connectionItem }, '1')),
      change(record('MODIFY', { pk: 't#room:a#0', sk: 'C1=' }, { old: topicItem('r1'), new: topicItem('r2') }, '2')),
      change(record('INSERT', { pk: 't#room:b#0', sk: 'C1=' }, { new: topicItem('r3') }, '3')),
      change(record('REMOVE', { pk: 't#room:a#0', sk: 'C2=' }, { old: topicItem('r4') }, '4')),
      change(record('REMOVE', { pk: 't#room:b#0', sk: 'C1=' }, { old: topicItem('r3') }, '5')),
    ];

    // Act
    const topics = topicsWithMembershipChanges(changes);

    // Assess
    expect([...topics].map(([topic, first]) => [topic, first.sequenceNumber])).toEqual([
      ['room:b', '3'],
      ['room:a', '4'],
    ]);
    expect(transitionIdOf(topics.get('room:a') as SubscriptionItemChange, 'vacated')).toBe('ev-4.vacated');
  });
});

describe('lifecycleEvents config', () => {
  it('is off by default, true turns it on with source topicast, an object sets the source', () => {
    expect(resolveConfig({}).lifecycleEvents).toEqual({ enabled: false, source: 'topicast' });
    expect(resolveConfig({ lifecycleEvents: true }).lifecycleEvents).toEqual({ enabled: true, source: 'topicast' });
    expect(resolveConfig({ lifecycleEvents: { source: 'chat.realtime' } }).lifecycleEvents).toEqual({ enabled: true, source: 'chat.realtime' });
    expect(resolveConfig({ lifecycleEvents: false }).lifecycleEvents.enabled).toBe(false);
  });

  it('refuses sources EventBridge refuses and anything but a boolean or { source }', () => {
    expect(() => resolveConfig({ lifecycleEvents: { source: 'aws.ec2' } })).toThrow(/lifecycleEvents\.source must be 1-256 characters/);
    expect(() => resolveConfig({ lifecycleEvents: { source: '' } })).toThrow(/lifecycleEvents\.source/);
    expect(() => resolveConfig({ lifecycleEvents: 'yes' as never })).toThrow(/lifecycleEvents must be true, false or \{ source \}/);
    expect(() => resolveConfig({ lifecycleEvents: { bus: 'x' } as never })).toThrow(/lifecycleEvents/);
  });
});

// ---------------------------------------------------------------------------------------
// PutEvents publisher

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function joinedEvent(index: number, metaBytes = 10): LifecycleEvent {
  return {
    detailType: 'joined',
    detail: { version: 1, eventId: `ev-${index}`, topic: 'room:a', connectionId: `C${index}=`, presence: { key: `k${index}`, meta: { pad: 'x'.repeat(metaBytes), phx_ref: 'r' } } },
    timeMs: 1_800_000_000_500,
    sequenceNumber: String(1000 + index),
  };
}

interface Sent {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly entries: { Source: string; DetailType: string; Detail: string; EventBusName: string; Time: number }[];
}

/** An EventBridge stand-in: answers each request with `answer(entries, call)`. */
function fakeEventBridge(answer: (entries: Sent['entries'], call: number) => { status: number; body: unknown }): { post: JsonPost; sent: Sent[] } {
  const sent: Sent[] = [];
  const post: JsonPost = async (url, headers, body) => {
    const entries = (JSON.parse(body) as { Entries: Sent['entries'] }).Entries;
    sent.push({ url: url.toString(), headers, entries });
    const { status, body: responseBody } = answer(entries, sent.length);
    return { status, body: JSON.stringify(responseBody) };
  };
  return { post, sent };
}

const accepted = (entries: unknown[]) => ({ status: 200, body: { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `id-${i}` })) } });

function publisherOptions(post: JsonPost): ConstructorParameters<typeof PutEventsPublisher>[0] {
  return {
    eventBusName: 'arn:aws:events:eu-west-1:111111111111:event-bus/topicast',
    source: 'topicast',
    endpoint: 'https://events.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    logger: silent,
    post,
    sleep: async () => undefined,
  };
}

const publisher = (post: JsonPost) => new PutEventsPublisher(publisherOptions(post));

describe('PutEvents publisher', () => {
  it('sends signed JSON 1.1 requests of at most 10 entries, each entry the event as EventBridge takes it', async () => {
    // Prepare
    const bridge = fakeEventBridge((entries) => accepted(entries));

    // Act
    const failed = await publisher(bridge.post).publish(Array.from({ length: 23 }, (_, i) => joinedEvent(i)));

    // Assess
    expect(failed).toEqual([]);
    expect(bridge.sent.map((request) => request.entries.length)).toEqual([10, 10, 3]);
    const [first] = bridge.sent;
    expect(first?.url).toBe('https://events.eu-west-1.amazonaws.com/');
    expect(first?.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents', host: 'events.eu-west-1.amazonaws.com' });
    expect(first?.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/events\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, /);
    expect(first?.entries[0]).toEqual({
      Source: 'topicast',
      DetailType: 'joined',
      Detail: JSON.stringify(joinedEvent(0).detail),
      EventBusName: 'arn:aws:events:eu-west-1:111111111111:event-bus/topicast',
      Time: 1_800_000_000.5,
    });
  });

  it('keeps each request within 256 KB and drops (logs) an event that alone exceeds it', async () => {
    // Prepare: 100 KB metas, so two fit and a third does not
    const bridge = fakeEventBridge((entries) => accepted(entries));
    const errors: string[] = [];
    const sized = new PutEventsPublisher({ ...publisherOptions(bridge.post), logger: { ...silent, error: (message) => errors.push(message) } });

    // Act
    const failed = await sized.publish([...Array.from({ length: 5 }, (_, i) => joinedEvent(i, 100 * 1024)), joinedEvent(9, 300 * 1024)]);

    // Assess
    expect(failed).toEqual([]);
    expect(bridge.sent.map((request) => request.entries.length)).toEqual([2, 2, 1]);
    for (const request of bridge.sent) expect(request.entries.reduce((sum, entry) => sum + 14 + entry.Source.length + entry.DetailType.length + Buffer.byteLength(entry.Detail), 0)).toBeLessThanOrEqual(PUT_EVENTS_LIMITS.bytes);
    expect(errors).toEqual(['lifecycle event over the 256 KB PutEvents limit, not sent']);
  });

  it('sends again only the entries a partly failed request refused, and hands back what is still refused', async () => {
    // Prepare: entry 1 throttled once, entry 2 refused every time
    const bridge = fakeEventBridge((entries, call) => ({
      status: 200,
      body: {
        FailedEntryCount: entries.filter((entry) => entry.Detail.includes('"ev-2"') || (call === 1 && entry.Detail.includes('"ev-1"'))).length,
        Entries: entries.map((entry) =>
          entry.Detail.includes('"ev-2"') || (call === 1 && entry.Detail.includes('"ev-1"')) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: 'ok' },
        ),
      },
    }));

    // Act
    const failed = await publisher(bridge.post).publish([joinedEvent(0), joinedEvent(1), joinedEvent(2)]);

    // Assess
    expect(bridge.sent.map((request) => request.entries.map((entry) => (JSON.parse(entry.Detail) as { eventId: string }).eventId))).toEqual([
      ['ev-0', 'ev-1', 'ev-2'],
      ['ev-1', 'ev-2'],
      ['ev-2'],
    ]);
    expect(failed.map((event) => event.detail.eventId)).toEqual(['ev-2']);
  });

  it('retries a throttled or failed request whole, and gives up at once on one that cannot succeed', async () => {
    // Prepare
    const throttled = fakeEventBridge((entries, call) => (call < 3 ? { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } : accepted(entries)));
    const denied = fakeEventBridge(() => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'no' } }));
    const unreachable: JsonPost = async () => {
      throw new Error('connect ECONNREFUSED');
    };

    // Act
    const afterThrottling = await publisher(throttled.post).publish([joinedEvent(0)]);
    const afterDenial = await publisher(denied.post).publish([joinedEvent(0)]);
    const afterNoAnswer = await publisher(unreachable).publish([joinedEvent(0)]);

    // Assess
    expect(afterThrottling).toEqual([]);
    expect(throttled.sent).toHaveLength(3);
    expect(afterDenial).toHaveLength(1);
    expect(denied.sent).toHaveLength(1);
    expect(afterNoAnswer).toHaveLength(1);
  });

  it('retries a 5xx once, and a throttled request, waiting as the SDK standard strategy does (50 ms, 1 s base)', async () => {
    // Prepare: EventBridge fails a request with 503, or throttles it, once
    const unavailable = fakeEventBridge((entries, call) => (call === 1 ? { status: 503, body: { __type: 'ServiceUnavailableException' } } : accepted(entries)));
    const throttled = fakeEventBridge((entries, call) => (call === 1 ? { status: 400, body: { __type: 'ThrottlingException' } } : accepted(entries)));
    const waits: number[][] = [[], []];
    const withWaits = (post: JsonPost, into: number[]) => new PutEventsPublisher({ ...publisherOptions(post), random: () => 0.5, sleep: async (ms) => void into.push(ms) });

    // Act
    const afterUnavailable = await withWaits(unavailable.post, waits[0] as number[]).publish([joinedEvent(0)]);
    const afterThrottling = await withWaits(throttled.post, waits[1] as number[]).publish([joinedEvent(0)]);

    // Assess: one retry each, after random() * 50 ms and random() * 1000 ms
    expect([afterUnavailable, afterThrottling]).toEqual([[], []]);
    expect([unavailable.sent.length, throttled.sent.length]).toEqual([2, 2]);
    expect(waits).toEqual([[25], [500]]);
  });

  it('finds the region of a bus ARN and the regional endpoint', () => {
    expect(regionOfBusArn('arn:aws:events:ap-south-1:111111111111:event-bus/x')).toBe('ap-south-1');
    expect(regionOfBusArn('my-bus')).toBeUndefined();
    expect(eventsEndpointOf('eu-west-1')).toBe('https://events.eu-west-1.amazonaws.com');
    expect(eventsEndpointOf('cn-north-1')).toBe('https://events.cn-north-1.amazonaws.com.cn');
  });
});
