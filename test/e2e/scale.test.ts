/**
 * Big topics through real sockets: fan-out handed to worker batches (asynchronous invokes
 * of the template's fan-out worker function), sharded topic partitions, and a latency
 * figure for 100 subscribers (printed, never asserted).
 */
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestTable } from '../support/dynalite.js';
import { connectionIdOf, gatewayTable } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { queryPartition } from '../support/table-items.js';
import { closeAll, openClient, openClients, type WsClient } from '../support/ws-client.js';

const WORKER_THRESHOLD = 5;
const WORKER_BATCH_SIZE = 2;
const SHARDS = 4;
let fanout: RunningGateway;
let table: TestTable;
const log: string[] = [];
const clients: WsClient[] = [];

beforeAll(async () => {
  fanout = await startTestGateway({
    config: {
      fanout: { workerThreshold: WORKER_THRESHOLD, workerBatchSize: WORKER_BATCH_SIZE },
      sharding: [{ pattern: 'big:*', shards: SHARDS }],
    },
    // Each fan-out worker invocation logs its batch ("fan-out batch delivered").
    write: (line) => log.push(line),
  });
  table = gatewayTable(fanout);
  await warm(fanout);
});

/**
 * Runs each route function once, alone: a function's first invocations start its processes
 * (one per concurrent invocation, as Lambda's execution environments), which on a loaded
 * machine outlasts a handshake's 5 s timeout when eight arrive at once.
 */
async function warm(gateway: RunningGateway): Promise<void> {
  const client = await openClient(gateway.url);
  const topic = 'warm:up';
  await client.join(topic);
  await client.request({ action: 'push', topic, event: 'warm' }, 30_000);
  await client.request({ action: 'leave', topic }, 30_000);
  await closeAll([client]);
}

/** `count` clients, opened and joined a few at a time (each few runs in as many warm environments). */
async function openJoinedInGroups(gateway: RunningGateway, count: number, topic: string, groupSize = 4): Promise<WsClient[]> {
  const opened: WsClient[] = [];
  for (let start = 0; start < count; start += groupSize) {
    const group = await openClients(gateway.url, Math.min(groupSize, count - start));
    opened.push(...group);
    await Promise.all(group.map((member) => member.join(topic)));
  }
  return opened;
}

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  await fanout?.end();
});

async function joined(gateway: RunningGateway, count: number, topic: string): Promise<WsClient[]> {
  const opened: WsClient[] = [];
  try {
    for (let start = 0; start < count; start += 4) opened.push(...(await openClients(gateway.url, Math.min(4, count - start))));
  } finally {
    clients.push(...opened);
  }
  for (const client of opened) await client.join(topic);
  return opened;
}

function workerRunsSince(mark: number, topic: string): number {
  return log.slice(mark).filter((line) => line.includes('"message":"fan-out batch delivered"') && line.includes(`"topic":${JSON.stringify(topic)}`)).length;
}

/** The runtime's errors and warnings, and the functions' (Powertools levels). */
const problems = (lines: readonly string[]) => lines.filter((line) => /^(ERROR|WARN)\b/.test(line) || /"level":"(ERROR|WARN)"/.test(line));

describe('fan-out workers', () => {
  it('hands a push to 8 subscribers to workers in batches of 2, and all 8 receive it', async () => {
    // Prepare
    const topic = 'fan:room';
    const members = await joined(fanout, 8, topic);
    await fanout.drain();
    const mark = log.length;

    // Act
    const reply = await members[0]!.request({ action: 'push', topic, event: 'shout', payload: { body: 'to all' } });

    // Assess
    expect(reply).toMatchObject({ payload: { status: 'ok' } });
    // The first worker batches start the worker function's processes (cold starts).
    for (const member of members) expect(await member.nextEvent('shout', () => true, 30_000)).toEqual({ topic, event: 'shout', payload: { body: 'to all' } });
    await fanout.drain();
    expect(workerRunsSince(mark, topic)).toBe(8 / WORKER_BATCH_SIZE);
    expect(problems(log.slice(mark))).toEqual([]);
  });

  it('keeps self:false through the workers: 7 receive, the sender does not', async () => {
    // Prepare
    const topic = 'fan:quiet';
    const [sender, ...others] = await joined(fanout, 8, topic);
    await fanout.drain();
    const senderMark = sender!.mark();
    const mark = log.length;

    // Act
    await sender!.request({ action: 'push', topic, event: 'shout', payload: { n: 1 }, self: false });

    // Assess
    for (const other of others) expect(await other.nextEvent('shout')).toMatchObject({ payload: { n: 1 } });
    await fanout.drain();
    expect(workerRunsSince(mark, topic)).toBe(Math.ceil(7 / WORKER_BATCH_SIZE));
    await sender!.ping();
    expect(sender!.framesSince(senderMark).filter((m: any) => m.event === 'shout')).toEqual([]);
  });

  it('delivers presence diffs of big topics through the workers too', async () => {
    // Prepare
    const topic = 'fan:presence';
    const members = await joined(fanout, 6, topic);
    await fanout.drain();
    const mark = log.length;

    // Act: the seventh join is announced to 6 members, over the threshold of 5
    const [late] = await joined(fanout, 1, topic);

    // Assess
    const state = await late!.nextEvent('presence_state');
    expect(Object.keys(state.payload)).toHaveLength(7);
    const lateId = connectionIdOf(fanout, late!);
    for (const member of members) {
      const diff = await member.nextEvent('presence_diff', (m) => m.payload.joins[lateId] !== undefined);
      expect(diff.payload).toEqual({ joins: { [lateId]: { metas: [{ phx_ref: expect.any(String) }] } }, leaves: {} });
    }
    await fanout.drain();
    expect(workerRunsSince(mark, topic)).toBe(6 / WORKER_BATCH_SIZE);
  });
});

describe('sharded topics', () => {
  it('spreads 10 subscribers over several partitions and reaches all of them', async () => {
    // Prepare
    const topic = 'big:room';
    const members = await joined(fanout, 10, topic);

    // Act
    await members[3]!.request({ action: 'push', topic, event: 'shout', payload: { body: 'sharded' } });

    // Assess: everyone received it
    for (const member of members) expect(await member.nextEvent('shout')).toEqual({ topic, event: 'shout', payload: { body: 'sharded' } });

    // Assess: the subscriptions live in more than one of the 4 partitions, none outside them
    const perShard = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => queryPartition(table, `t#${topic}#${shard}`)));
    expect(perShard.flat()).toHaveLength(10);
    expect(perShard.filter((items) => items.length > 0).length).toBeGreaterThan(1);
    expect(await queryPartition(table, `t#${topic}#${SHARDS}`)).toEqual([]);
  });

  it('removes a leaver from its shard, so the next push reaches the other 9 only', async () => {
    // Prepare
    const topic = 'big:leavers';
    const members = await joined(fanout, 10, topic);
    const [leaver, ...stayers] = members;

    // Act
    expect(await leaver!.request({ action: 'leave', topic })).toMatchObject({ payload: { status: 'ok' } });
    await stayers[0]!.request({ action: 'push', topic, event: 'shout', payload: { n: 1 } });

    // Assess
    for (const stayer of stayers) expect(await stayer.nextEvent('shout')).toMatchObject({ payload: { n: 1 } });
    const leaverMark = leaver!.mark();
    await leaver!.ping();
    expect(leaver!.framesSince(leaverMark).map((m: any) => m.event)).toEqual(['phx_reply']);
    const perShard = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => queryPartition(table, `t#${topic}#${shard}`)));
    expect(perShard.flat()).toHaveLength(9);
  });
});

describe('latency (information, not an assertion)', () => {
  it('measures push-to-last-delivery for 100 subscribers on one topic', async () => {
    // Prepare: default fan-out settings; presence off on the topic so 100 joins stay cheap
    const gateway = await startTestGateway({ config: { presenceDisabled: ['perf:*'] } });
    const topic = 'perf:room';
    const members: WsClient[] = [];
    try {
      await warm(gateway);
      // 4 connects and joins at a time: each runs in a function process of its own, and more
      // at once outlast a reply's 5 s timeout on a busy machine.
      members.push(...(await openJoinedInGroups(gateway, 100, topic)));
      const sender = members[0]!;
      await sender.request({ action: 'push', topic, event: 'warmup' });
      await Promise.all(members.map((member) => member.nextEvent('warmup')));

      // Act
      const lastDelivery: number[] = [];
      const replies: number[] = [];
      for (let n = 1; n <= 5; n += 1) {
        const deliveries = members.map((member) => member.nextEvent('tick', (m) => m.payload.n === n, 20_000).then(() => performance.now()));
        const started = performance.now();
        const reply = sender.request({ action: 'push', topic, event: 'tick', payload: { n } }, 20_000).then(() => performance.now());
        const times = await Promise.all(deliveries);
        replies.push((await reply) - started);
        lastDelivery.push(Math.max(...times) - started);
      }

      // Assess: every push reached all 100 (the times are printed for the notes)
      expect(lastDelivery).toHaveLength(5);
      const sorted = [...lastDelivery].sort((a, b) => a - b);
      console.log(
        `[e2e latency] 100 subscribers, push to last delivery (ms): ${lastDelivery.map((ms) => ms.toFixed(1)).join(', ')}; ` +
          `median ${sorted[2]!.toFixed(1)}, max ${sorted[4]!.toFixed(1)}; push to reply (ms): ${replies.map((ms) => ms.toFixed(1)).join(', ')}`,
      );
    } finally {
      await closeAll(members);
      await gateway.end();
    }
  });
});
