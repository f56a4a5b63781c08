/**
 * The pure parts of the presence stream: which reader announces a topic and after how
 * long, stream records (as Lambda delivers them) to presence changes, and changes to one
 * diff per topic.
 */
import { describe, expect, it } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import { topicItemChangeOf, topicOfPartition, type DynamoStreamRecord } from '../../lambdas/adapters/dynamodb/stream-records.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import { diffOfChange, earliestSequenceNumber, presenceChangesByTopic, type TopicItemChange } from '../../lambdas/core/presence-changes.js';
import { presenceStreamReaders, presenceWindowFor, readerAnnounces } from '../../lambdas/core/presence-readers.js';

const item = (pk: string, sk: string, extra: Record<string, unknown> = {}) => marshall({ pk, sk, endpoint: 'http://x', expiresAt: 1, ...extra });
const withPresence = (key: string, ref: string, meta: Record<string, unknown> = {}) => ({ presenceKey: key, meta: JSON.stringify({ ...meta, phx_ref: ref }) });

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { old?: Record<string, unknown>; new?: Record<string, unknown> }, extra: Partial<DynamoStreamRecord> = {}): DynamoStreamRecord {
  const keys = { pk: 't#room:a#0', sk: 'C1=' };
  return {
    eventName,
    dynamodb: {
      Keys: marshall(keys),
      ...(images.old ? { OldImage: item(keys.pk, keys.sk, images.old) } : {}),
      ...(images.new ? { NewImage: item(keys.pk, keys.sk, images.new) } : {}),
      SequenceNumber: '100',
    },
    ...extra,
  };
}

describe('presence stream readers', () => {
  it('reads every topic with the default window when nothing else is configured', () => {
    // Act
    const readers = presenceStreamReaders(resolveConfig({}).presence);

    // Assess
    expect(readers).toEqual([{ windowSeconds: 1, windowMs: 1000, prefixes: null }]);
  });

  it('gives a second window its own reader filtered to its patterns, the first matching pattern deciding a topic', () => {
    // Prepare
    const config = resolveConfig({ presence: { windowMs: 1000, topics: [{ pattern: 'lobby:vip' }, { pattern: 'lobby:*', windowMs: 5000 }, { pattern: 'dm:*', windowMs: 800 }] } });

    // Act
    const readers = presenceStreamReaders(config.presence);

    // Assess: 800 ms rounds up to the default reader's second; lobby:* gets the 5 s reader
    expect(readers).toEqual([
      { windowSeconds: 1, windowMs: 1000, prefixes: null },
      { windowSeconds: 5, windowMs: 5000, prefixes: ['t#lobby:'] },
    ]);
    expect(presenceWindowFor('lobby:main', config)).toBe(5000);
    expect(presenceWindowFor('lobby:vip', config)).toBe(5000);
    expect(presenceWindowFor('dm:1', config)).toBe(800);
    expect(presenceWindowFor('room:1', config)).toBe(1000);
    expect(readerAnnounces(readers[0]!, 'lobby:main', config)).toBe(false);
    expect(readerAnnounces(readers[1]!, 'lobby:main', config)).toBe(true);
    expect(readerAnnounces(readers[0]!, 'dm:1', config)).toBe(true);
  });

  it('filters a whole-topic pattern by its exact partition prefix', () => {
    // Act
    const readers = presenceStreamReaders(resolveConfig({ presence: { topics: [{ pattern: 'news', windowMs: 0 }] } }).presence);

    // Assess
    expect(readers[1]).toEqual({ windowSeconds: 0, windowMs: 0, prefixes: ['t#news#'] });
  });

  it('refuses windows beyond Lambda\'s 300 s and a third distinct window', () => {
    // Act & Assess
    expect(() => resolveConfig({ presence: { windowMs: 301_000 } })).toThrow(/presence\.windowMs must be an integer from 0 to 300000/);
    expect(() => resolveConfig({ presence: { windowMs: 1000, topics: [{ pattern: 'a:*', windowMs: 0 }, { pattern: 'b:*', windowMs: 3000 }] } })).toThrow(
      /presence must use at most 2 distinct windows/,
    );
    expect(() => resolveConfig({ presence: { topics: [{ pattern: '', windowMs: 0 }] } })).toThrow(/presence\.topics\.0\.pattern/);
  });
});

describe('stream records', () => {
  it('finds the topic in a partition key, shard after the last #', () => {
    // Act & Assess
    expect(topicOfPartition('t#room:lobby#0')).toBe('room:lobby');
    expect(topicOfPartition('t#a#b#3')).toBe('a#b');
    expect(topicOfPartition('c#abc')).toBeNull();
    expect(topicOfPartition('t#')).toBeNull();
  });

  it('turns an INSERT into a join, a MODIFY into a leave and a join, a REMOVE into a leave', () => {
    // Act
    const inserted = topicItemChangeOf(record('INSERT', { new: withPresence('alice', 'r1', { name: 'a' }) }));
    const modified = topicItemChangeOf(record('MODIFY', { old: withPresence('alice', 'r1'), new: withPresence('alice', 'r2') }));
    const removed = topicItemChangeOf(record('REMOVE', { old: withPresence('alice', 'r2') }));

    // Assess
    expect(inserted).toEqual({ topic: 'room:a', connectionId: 'C1=', before: null, after: { key: 'alice', meta: { name: 'a', phx_ref: 'r1' } }, expired: false, sequenceNumber: '100' });
    expect(modified?.before?.meta.phx_ref).toBe('r1');
    expect(modified?.after?.meta.phx_ref).toBe('r2');
    expect(removed).toMatchObject({ before: { key: 'alice' }, after: null, expired: false });
  });

  it('announces no change for a member\'s reconnect: neither the row its rejoin wrote nor the removal of the row it took over', () => {
    // Act: hold, takeover, the rejoin's row, the held row's release; then a held row nobody took over
    const held = topicItemChangeOf(record('MODIFY', { old: withPresence('alice', 'r1'), new: { ...withPresence('alice', 'r1'), heldUntil: 5 } }));
    const taken = topicItemChangeOf(record('MODIFY', { old: { ...withPresence('alice', 'r1'), heldUntil: 5 }, new: { ...withPresence('alice', 'r1'), heldUntil: 5, resumedBy: 'C2=' } }));
    const rejoined = topicItemChangeOf(record('INSERT', { new: { ...withPresence('alice', 'r1'), resumes: 'C1=' } }));
    const released = topicItemChangeOf(record('REMOVE', { old: { ...withPresence('alice', 'r1'), heldUntil: 5, resumedBy: 'C2=' } }));
    const lost = topicItemChangeOf(record('REMOVE', { old: { ...withPresence('alice', 'r1'), heldUntil: 5 } }));

    // Assess
    for (const change of [held, taken, rejoined, released]) expect(diffOfChange(change as TopicItemChange)).toEqual({ joins: {}, leaves: {} });
    expect(Object.keys(diffOfChange(lost as TopicItemChange).leaves)).toEqual(['alice']);
  });

  it('marks only DynamoDB\'s own deletions (TTL) as expired', () => {
    // Act
    const ttl = topicItemChangeOf(record('REMOVE', { old: withPresence('alice', 'r1') }, { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } }));
    const other = topicItemChangeOf(record('REMOVE', { old: withPresence('alice', 'r1') }, { userIdentity: { type: 'Service', principalId: 'example.amazonaws.com' } }));

    // Assess
    expect(ttl?.expired).toBe(true);
    expect(other?.expired).toBe(false);
  });

  it('ignores items that are not topic subscriptions, and subscriptions without presence', () => {
    // Act
    const connection = topicItemChangeOf({ eventName: 'INSERT', dynamodb: { Keys: marshall({ pk: 'c#C1=', sk: 'c' }), SequenceNumber: '1' } });
    const noPresence = topicItemChangeOf(record('INSERT', { new: {} }));

    // Assess
    expect(connection).toBeNull();
    expect(noPresence).toMatchObject({ before: null, after: null });
  });
});

describe('presence changes', () => {
  const change = (topic: string, sequenceNumber: string, before: string | null, after: string | null): TopicItemChange => ({
    topic,
    connectionId: 'C',
    before: before ? { key: 'k', meta: { phx_ref: before } } : null,
    after: after ? { key: 'k', meta: { phx_ref: after } } : null,
    expired: false,
    sequenceNumber,
  });

  it('sees no change in a rewrite that kept the phx_ref', () => {
    // Act & Assess
    expect(diffOfChange(change('t', '1', 'r1', 'r1'))).toEqual({ joins: {}, leaves: {} });
  });

  it('folds each topic\'s changes into one diff, in stream order, remembering where each topic starts', () => {
    // Act
    const byTopic = presenceChangesByTopic([change('a', '5', null, 'r1'), change('b', '6', null, 'r2'), change('a', '7', 'r1', null), change('a', '8', null, 'r3')]);

    // Assess
    expect(byTopic.map(({ topic, firstSequenceNumber, records }) => ({ topic, firstSequenceNumber, records }))).toEqual([
      { topic: 'a', firstSequenceNumber: '5', records: 3 },
      { topic: 'b', firstSequenceNumber: '6', records: 1 },
    ]);
    expect(JSON.parse(JSON.stringify(byTopic[0]?.diff))).toEqual({ joins: { k: { metas: [{ phx_ref: 'r3' }] } }, leaves: { k: { metas: [{ phx_ref: 'r1' }] } } });
  });

  it('compares sequence numbers as the big integers they are', () => {
    // Act & Assess
    expect(earliestSequenceNumber(['900000000000000000001', '1000000000000000000000'])).toBe('900000000000000000001');
    expect(earliestSequenceNumber([])).toBeNull();
  });
});
