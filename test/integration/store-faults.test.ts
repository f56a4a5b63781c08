/**
 * Removal when DynamoDB pushes back (issue 8, item 13) and what a 410 removes (issue 8,
 * "a 410 removes exactly the keys that were read"), against dynalite over HTTP with faults
 * injected by a client middleware:
 * - BatchWriteItem handing topic-side deletes back as UnprocessedItems is retried with
 *   backoff; connection rows are deleted only after their topic rows, and are kept (for a
 *   later 410) when the topic rows stay beyond the retry bound;
 * - leave announcements whose subscriber read fails after the rows are gone are retried;
 *   when they keep failing they are logged as errors with their presence keys, and the
 *   client is not told `internal_error` for a leave that happened;
 * - a 410 deletes the topic row the broadcast read even when no connection row leads to it,
 *   plus everything in the gone connection's partition, and announces its leave.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PresenceDiff } from '../../lambdas/core/presence.js';
import { startTestTable, type TestTable } from '../support/dynalite.js';
import { eventsNamed } from '../support/messages.js';
import { batchKeys, installStoreGate, queriedPartition, text, type StoreCall, type StoreGate } from '../support/store-gate.js';
import { getItem, queryPartition } from '../support/table-items.js';
import { connectionId, createHarness, type Harness } from '../support/topicast-harness.js';

let table: TestTable;
let gate: StoreGate;
let h: Harness;
const removers: (() => void)[] = [];

beforeAll(async () => {
  table = await startTestTable();
  gate = installStoreGate(table.documentClient);
  h = createHarness(table);
});

afterAll(async () => {
  await table?.stop();
});

beforeEach(() => {
  removers.splice(0).forEach((remove) => remove());
});

/** A DynamoDB error as it surfaces once the SDK's own retries are spent. */
function serverError(): Error {
  return Object.assign(new Error('injected: We encountered an internal error. Please try again.'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
}

let topics = 0;
/** An observer and a member joined to one topic, the member also to a second topic. */
async function scene(): Promise<{ topic: string; second: string; observer: string; member: string }> {
  topics += 1;
  const topic = `room:fault-${topics}-${Date.now().toString(36)}`;
  const second = `room:fault-second-${topics}-${Date.now().toString(36)}`;
  const [observer, member] = [connectionId('obs'), connectionId('mem')];
  for (const id of [observer, member]) await h.connect(id);
  await h.send(observer, { action: 'join', topic, payload: { meta: { who: 'observer' } }, ref: '1' });
  await h.send(member, { action: 'join', topic, payload: { meta: { who: 'member' } }, ref: '1' });
  await h.send(member, { action: 'join', topic: second, ref: '2' });
  return { topic, second, observer, member };
}

function leavesSeenBy(id: string, topic: string): string[] {
  return eventsNamed(h.sender.messagesFor(id), 'presence_diff')
    .filter((message) => message.topic === topic)
    .flatMap((message) => Object.keys((message.payload as PresenceDiff).leaves));
}

describe('partial BatchWriteItem failures during removal', () => {
  it('retries topic-side deletes handed back as UnprocessedItems, deletes connection rows only after them, and announces the leaves', async () => {
    // Prepare: the first three BatchWriteItems carrying the member's topic rows process none of them
    const { topic, second, observer, member } = await scene();
    let handedBack = 0;
    const processed: string[][] = [];
    removers.push(
      gate.intercept(async (call, proceed) => {
        const keys = batchKeys(call);
        const topicRows = keys.filter((key) => key.startsWith('t#') && key.endsWith(`|${member}`));
        if (topicRows.length > 0 && handedBack < 3) {
          handedBack += 1;
          const requests = (call.input.RequestItems as Record<string, unknown[]>)[table.tableName] as unknown[];
          return { output: { UnprocessedItems: { [table.tableName]: requests }, $metadata: { httpStatusCode: 200 } } };
        }
        if (keys.some((key) => key.includes(member))) processed.push(keys);
        return proceed();
      }),
    );

    // Act
    await h.disconnect(member);

    // Assess: handed back three times, then done; the connection rows went in a later request
    expect(handedBack).toBe(3);
    const topicBatch = processed.findIndex((keys) => keys.some((key) => key.startsWith('t#')));
    const connectionRowBatch = processed.findIndex((keys) => keys.some((key) => key.startsWith(`c#${member}|s#`)));
    expect(topicBatch).toBeGreaterThanOrEqual(0);
    expect(connectionRowBatch).toBeGreaterThan(topicBatch);
    expect(await queryPartition(table, `c#${member}`)).toEqual([]);
    for (const t of [topic, second]) expect(await getItem(table, { pk: `t#${t}#0`, sk: member })).toBeUndefined();
    expect(leavesSeenBy(observer, topic)).toEqual([member]);
  });

  it('keeps the connection rows whose topic rows DynamoDB never deleted, and the next 410 removes both sides and announces the leave', async () => {
    // Prepare: the member's topic rows are handed back every time (a partition that stays hot)
    const { topic, second, observer, member } = await scene();
    const stopHandingBack = gate.intercept(async (call, proceed) => {
      if (!batchKeys(call).some((key) => key.startsWith('t#') && key.endsWith(`|${member}`))) return proceed();
      const requests = (call.input.RequestItems as Record<string, unknown[]>)[table.tableName] as unknown[];
      return { output: { UnprocessedItems: { [table.tableName]: requests }, $metadata: { httpStatusCode: 200 } } };
    });
    removers.push(stopHandingBack);

    // Act: the disconnect gives up after its retry bound
    await h.disconnect(member);

    // Assess: the connection item is gone (no join can start), both sides of each subscription stay
    expect(await getItem(table, { pk: `c#${member}`, sk: 'c' })).toBeUndefined();
    expect((await queryPartition(table, `c#${member}`)).map((item) => item.sk).sort()).toEqual([`s#${second}`, `s#${topic}`].sort());
    for (const t of [topic, second]) expect(await getItem(table, { pk: `t#${t}#0`, sk: member })).toBeDefined();
    expect(h.logger.entries.filter((entry) => entry.message === 'disconnect left items behind').at(-1)?.fields).toMatchObject({ connectionId: member, retained: 4 });
    expect(leavesSeenBy(observer, topic)).toEqual([]);

    // Act: the partition cools down; a push reaches the gone member (410)
    stopHandingBack();
    h.sender.markGone(member);
    await h.send(observer, { action: 'push', topic, event: 'shout', ref: '3' });

    // Assess: every item of the member is gone, and the observer heard it leave once
    expect(await queryPartition(table, `c#${member}`)).toEqual([]);
    for (const t of [topic, second]) expect(await getItem(table, { pk: `t#${t}#0`, sk: member })).toBeUndefined();
    expect(leavesSeenBy(observer, topic)).toEqual([member]);
  });
});

describe('leave announcements after the rows are deleted', () => {
  const isAnnouncementRead = (topic: string) => (call: StoreCall) => queriedPartition(call) === `t#${topic}#0` && !text(call, 'ProjectionExpression').includes('#presenceKey');

  it('retries an announcement whose subscriber read fails three times in a row, so the leave still arrives', async () => {
    // Prepare
    const { topic, observer, member } = await scene();
    let failures = 0;
    removers.push(
      gate.intercept(async (call, proceed) => {
        if (isAnnouncementRead(topic)(call) && failures < 3) {
          failures += 1;
          throw serverError();
        }
        return proceed();
      }),
    );

    // Act
    const response = await h.send(member, { action: 'leave', topic, ref: '9' });

    // Assess
    expect(failures).toBe(3);
    expect(response.body).toContain('"status":"ok"');
    expect(leavesSeenBy(observer, topic)).toEqual([member]);
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: member })).toBeUndefined();
  });

  it('logs an announcement that keeps failing with its topic and presence keys, and answers the leave ok', async () => {
    // Prepare
    const { topic, observer, member } = await scene();
    removers.push(
      gate.intercept(async (call, proceed) => {
        if (isAnnouncementRead(topic)(call)) throw serverError();
        return proceed();
      }),
    );

    // Act
    const response = await h.send(member, { action: 'leave', topic, ref: '9' });

    // Assess: the leave happened (rows gone, reply ok); the lost announcement is an error in the log
    expect(response.body).toContain('"status":"ok"');
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: member })).toBeUndefined();
    expect(leavesSeenBy(observer, topic)).toEqual([]);
    expect(h.logger.entries.filter((entry) => entry.level === 'error' && entry.message === 'presence leaves not announced').at(-1)?.fields).toMatchObject({
      topic,
      keys: [member],
      attempts: 4,
    });
  });
});

describe('a 410 removes exactly the keys that were read for that connection', () => {
  it('deletes a topic row that has no connection row (half a subscription), everything in the gone partition, and announces the leave', async () => {
    // Prepare: a topic row for a connection whose connection item and row are gone, and one
    // more row of it in its own partition (another topic) that only the partition leads to
    const { topic, observer } = await scene();
    const ghost = connectionId('ghost');
    const other = `room:ghost-other-${Date.now().toString(36)}`;
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: `t#${topic}#0`, sk: ghost, endpoint: h.endpoint, format: 'native', v: 1, presenceKey: ghost, meta: JSON.stringify({ who: 'ghost', phx_ref: 'g1' }), expiresAt: 9_999_999_999 },
      }),
    );
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { pk: `c#${ghost}`, sk: `s#${other}`, topic: other, shard: 0, v: 2, expiresAt: 9_999_999_999 } }),
    );
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { pk: `t#${other}#0`, sk: ghost, endpoint: h.endpoint, format: 'native', v: 2, expiresAt: 9_999_999_999 } }));
    const before = (await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk);
    h.sender.markGone(ghost);

    // Act
    const response = await h.send(observer, { action: 'push', topic, event: 'shout', ref: '5' });

    // Assess: the read row, the partition, and the row the partition led to are gone; nothing else
    expect(response.body).toContain('"status":"ok"');
    expect(await getItem(table, { pk: `t#${topic}#0`, sk: ghost })).toBeUndefined();
    expect(await queryPartition(table, `c#${ghost}`)).toEqual([]);
    expect(await getItem(table, { pk: `t#${other}#0`, sk: ghost })).toBeUndefined();
    expect((await queryPartition(table, `t#${topic}#0`)).map((item) => item.sk).sort()).toEqual(before.filter((sk) => sk !== ghost).sort());
    // Assess: the observer hears the ghost leave, with the meta the topic row held
    const leaves = eventsNamed(h.sender.messagesFor(observer), 'presence_diff')
      .map((message) => (message.payload as PresenceDiff).leaves)
      .filter((l) => l[ghost]);
    expect(leaves).toEqual([{ [ghost]: { metas: [{ who: 'ghost', phx_ref: 'g1' }] } }]);
  });
});
