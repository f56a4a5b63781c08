/**
 * The local gateway's PutEvents emulation refuses what EventBridge refuses: more than 10
 * entries or 256 KB in a request (the whole request), an entry without Source, DetailType
 * or a JSON-object Detail, or with an `aws.` source (that entry, counted in
 * FailedEntryCount); what it accepts is printed as one line and kept, newest first.
 */
import { describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../local-gateway/event-bus.js';

const entry = (detail: unknown = { topic: 'room:a' }, extra: Record<string, unknown> = {}) => ({ Source: 'topicast', DetailType: 'occupied', Detail: JSON.stringify(detail), EventBusName: 'b', Time: 1_800_000_000, ...extra });

describe('local event bus', () => {
  it('accepts entries, prints each as one line and lists them newest first', () => {
    // Prepare
    const lines: string[] = [];
    const bus = new LocalEventBus((line) => lines.push(line));

    // Act
    const answer = bus.putEvents(JSON.stringify({ Entries: [entry({ topic: 'room:a' }), entry({ topic: 'room:b' })] }));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }, { EventId: expect.any(String) }] });
    expect(lines).toEqual(['event occupied {"topic":"room:a"}', 'event occupied {"topic":"room:b"}']);
    expect(bus.events().map((event) => event.detail.topic)).toEqual(['room:b', 'room:a']);
    expect(bus.events()[0]).toMatchObject({ bus: 'b', source: 'topicast', detailType: 'occupied', time: '2027-01-15T08:00:00.000Z' });
  });

  it('refuses a request of more than 10 entries, or over 256 KB, whole', () => {
    // Prepare
    const lines: string[] = [];
    const bus = new LocalEventBus((line) => lines.push(line));

    // Act
    const tooMany = bus.putEvents(JSON.stringify({ Entries: Array.from({ length: 11 }, () => entry()) }));
    const tooBig = bus.putEvents(JSON.stringify({ Entries: [entry({ pad: 'x'.repeat(140 * 1024) }), entry({ pad: 'y'.repeat(140 * 1024) })] }));
    const none = bus.putEvents(JSON.stringify({ Entries: [] }));

    // Assess
    for (const answer of [tooMany, tooBig, none]) expect(answer).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
    expect(lines).toEqual([]);
  });

  it('fails only the entries EventBridge would fail, and counts them', () => {
    // Prepare
    const bus = new LocalEventBus(() => undefined);

    // Act
    const answer = bus.putEvents(JSON.stringify({ Entries: [entry(), { Source: 'topicast', Detail: '{}' }, entry([1, 2]), { ...entry(), Detail: 'not json' }, entry({}, { Source: 'aws.ec2' })] }));

    // Assess
    expect(answer.body).toEqual({
      FailedEntryCount: 4,
      Entries: [
        { EventId: expect.any(String) },
        { ErrorCode: 'InvalidArgument', ErrorMessage: expect.any(String) },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: expect.any(String) },
      ],
    });
    expect(bus.events()).toHaveLength(1);
  });
});
