/**
 * Presence across a reconnect (lambdas/core/presence-grace.ts) under forced interleavings,
 * through the template runtime (the table's stream, the fan-out worker and the grace queue of
 * the template), with a gate on the DynamoDB its functions call that holds or fails chosen
 * requests:
 *
 *  1. a rejoin that took over the member's held row and then failed (its own row never
 *     written) leaves no ghost: the member's leave is announced, after the grace period or,
 *     when the held row went meanwhile, at once;
 *  2. the takeover racing the grace release has exactly one outcome, and presence stays
 *     exact either way;
 *  3. a fan-out worker that checks the original join again after the member's row moved to
 *     its rejoin sends no leave for it;
 *  4. a room at its presence cap stays under it across a reconnect (a held row and the rejoin
 *     that took it over are one presence);
 *  5. a channel module's `leave` runs once per connection, at `$disconnect`, under the grace
 *     period too (docs/phoenix.md, "Channel modules");
 *  6. a second join of the member on the same connection keeps its presence.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import { keys } from '../../lambdas/adapters/dynamodb/table-schema.js';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { systemClock } from '../../lambdas/composition/system.js';
import { RoleCredentials } from '../../local-runtime/aws/role-credentials.js';
import { applyDiff, type PresenceDiff, type PresenceState } from '../../lambdas/core/presence.js';
import { connectTracked, gatewayTable, uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { startGatedDynamo, type GatedDynamo } from '../support/gated-dynamo.js';
import { noDiffOnItsWay } from '../support/grace-queue.js';
import type { StoreCall, StoreGate } from '../support/store-gate.js';
import { queryPartition } from '../support/table-items.js';
import type { TestTable } from '../support/dynalite.js';
import { closeAll, eventOf, type WsClient } from '../support/ws-client.js';

const WINDOW_MS = 100;
const GRACE_MS = 1000;
// The grace timer counts whole seconds (SQS DelaySeconds); a loaded machine adds its own delay.
const SLACK_MS = 4000;
let gateway: RunningGateway;
let gate: StoreGate;
let dynamo: GatedDynamo;
let table: TestTable;
const clients: WsClient[] = [];

beforeAll(async () => {
  // Workers from 2 recipients on: every presence diff of these small rooms goes through a fan-out worker.
  // The functions run in processes of their own: their DynamoDB requests are gated on the way to DynamoDB.
  dynamo = await startGatedDynamo();
  gate = dynamo.gate;
  gateway = await startTestGateway({ dynamoEndpoint: dynamo.endpoint, config: { presence: { windowMs: WINDOW_MS, graceMs: GRACE_MS }, fanout: { workerThreshold: 1 } } });
  table = gatewayTable(gateway);
  // Each function's first invocation starts its process: done here, not inside the tests' waits.
  await warmUp(gateway, 2, uniqueTopic());
}, 120_000);

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  await gateway?.end();
  await dynamo?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newMember = () => randomBytes(16).toString('base64url');

interface Member {
  readonly client: WsClient;
  readonly id: string;
  readonly reply: { status: string };
}

async function join(topic: string, secret: string | null, meta: object, connected?: { client: WsClient; id: string }): Promise<Member> {
  const { client, id } = connected ?? (await connectTracked(gateway, clients));
  const reply = ((await client.request({ action: 'join', topic, payload: { meta, ...(secret === null ? {} : { member: secret }) } })) as { payload: { status: string } }).payload;
  return { client, id, reply };
}

/** What a Phoenix `Presence` of this client holds now: its presence_state, then every diff, in arrival order. */
function presenceOf(client: WsClient, topic: string): PresenceState {
  let state: PresenceState = {};
  for (const frame of client.messages as { topic?: string; event?: string; payload: unknown }[]) {
    if (frame.topic !== topic) continue;
    if (eventOf(frame) === 'presence_state') state = frame.payload as PresenceState;
    if (eventOf(frame) === 'presence_diff') state = applyDiff(state, frame.payload as PresenceDiff);
  }
  return state;
}

function leavesOf(client: WsClient, mark: number, key: string): number {
  return (client.framesSince(mark) as { event?: string; payload: PresenceDiff }[]).filter((frame) => eventOf(frame) === 'presence_diff' && key in frame.payload.leaves).length;
}

const topicRow = (topic: string, connectionId: string) => keys.topicSubscriber(topic, 0, connectionId) as { pk: string; sk: string };

async function rowOf(topic: string, connectionId: string): Promise<Record<string, unknown> | undefined> {
  const { pk, sk } = topicRow(topic, connectionId);
  return (await queryPartition(table, pk)).find((item) => item.sk === sk);
}

const writesRow = (topic: string, connectionId: string) => (call: StoreCall) => {
  const { pk, sk } = topicRow(topic, connectionId);
  const item = call.input.Item as { pk?: string; sk?: string } | undefined;
  return call.name === 'PutItemCommand' && item?.pk === pk && item.sk === sk;
};

/** A watcher and a named member M, whose connection then drops (no close frame): M's row is held. */
async function heldMember(topic: string): Promise<{ watcher: Member; first: Member; secret: string }> {
  const watcher = await join(topic, newMember(), { name: 'watcher' });
  const secret = newMember();
  const first = await join(topic, secret, { name: 'm' });
  await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.joins);
  // A post reaching the dropped socket before its $disconnect would reap the row at once (410), not hold it.
  await noDiffOnItsWay(gateway.runtime);
  first.client.socket.terminate();
  // The first named member's $disconnect is the first to hold a row (and send to the grace queue).
  await waitUntil(async () => typeof (await rowOf(topic, first.id))?.heldUntil === 'number', 'the dropped member row is held', 20_000);
  return { watcher, first, secret };
}

/**
 * The access key the runtime gives a function (RoleCredentials derives it from the function's
 * name and role, so another instance names the same key): the gate tells the function calling by it.
 */
function accessKeyOf(running: RunningGateway, logicalIdPrefix: string): string {
  const fn = running.runtime.app.functions.find((candidate) => candidate.logicalId.startsWith(logicalIdPrefix));
  if (!fn?.roleArn) throw new Error(`no function ${logicalIdPrefix}* with a role in the template`);
  return new RoleCredentials().issue(fn.functionName, fn.roleArn).accessKeyId;
}

const injected = () => Object.assign(new Error('injected: the write failed'), { name: 'InternalServerError', $fault: 'server' });

describe('a rejoin that took a held presence over, then failed', () => {
  it('releases the takeover: the member leaves after its grace period, and presence is exact', async () => {
    const topic = uniqueTopic();
    const { watcher, first, secret } = await heldMember(topic);
    const mark = watcher.client.mark();
    const again = await connectTracked(gateway, clients);
    const fails = writesRow(topic, again.id);
    const remove = gate.intercept(async (call, proceed) => {
      if (fails(call)) throw injected();
      return proceed();
    });
    const rejoin = await join(topic, secret, { name: 'm' }, again).finally(remove);
    expect(rejoin.reply.status).toBe('error');
    // Nobody carries M's presence now: the others must hear it leave once its grace is over.
    await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.leaves, GRACE_MS + SLACK_MS);
    expect(await rowOf(topic, first.id)).toBeUndefined();
    expect(Object.keys(presenceOf(watcher.client, topic))).toEqual([watcher.id]);
    expect(leavesOf(watcher.client, mark, first.id)).toBe(1);
  }, 30_000);

  it('announces the leave itself when the grace release took the row while the rejoin was failing', async () => {
    const topic = uniqueTopic();
    const { watcher, first, secret } = await heldMember(topic);
    const again = await connectTracked(gateway, clients);
    // The rejoin's own row waits until the grace release has deleted the row it took over; then its write fails.
    const held = gate.pause(writesRow(topic, again.id));
    // After the pause in the chain: the held write, once released, fails here.
    const remove = gate.intercept(async (call, proceed) => {
      if (writesRow(topic, again.id)(call)) throw injected();
      return proceed();
    });
    const rejoining = join(topic, secret, { name: 'm' }, again);
    await held.reached;
    expect(typeof (await rowOf(topic, first.id))?.resumedBy).toBe('string');
    await waitUntil(async () => (await rowOf(topic, first.id)) === undefined, 'the grace release deleted the taken-over row', GRACE_MS + SLACK_MS);
    held.release();
    const rejoin = await rejoining.finally(remove);
    expect(rejoin.reply.status).toBe('error');
    await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.leaves, SLACK_MS);
    expect(Object.keys(presenceOf(watcher.client, topic))).toEqual([watcher.id]);
  }, 30_000);
});

describe('the takeover racing the grace release', () => {
  it('release first: the rejoin is a new presence (a leave and a join), exactly once each', async () => {
    const topic = uniqueTopic();
    const { watcher, first, secret } = await heldMember(topic);
    const mark = watcher.client.mark();
    const again = await connectTracked(gateway, clients);
    // The rejoin has found the member's row; the grace release deletes it before the takeover.
    const takeover = gate.pause((call) => call.name === 'UpdateItemCommand' && String((call.input.Key as { sk?: string } | undefined)?.sk) === first.id);
    const rejoining = join(topic, secret, { name: 'm' }, again);
    await takeover.reached;
    await waitUntil(async () => (await rowOf(topic, first.id)) === undefined, 'the grace release deleted the held row', GRACE_MS + SLACK_MS);
    takeover.release();
    expect((await rejoining).reply.status).toBe('ok');
    await waitUntil(() => leavesOf(watcher.client, mark, first.id) > 0 && again.id in presenceOf(watcher.client, topic), 'the leave and the join reached the watcher', SLACK_MS);
    await sleep(WINDOW_MS * 5);
    expect(leavesOf(watcher.client, mark, first.id)).toBe(1);
    expect(Object.keys(presenceOf(watcher.client, topic)).sort()).toEqual([again.id, watcher.id].sort());
    expect((await rowOf(topic, again.id))?.resumes).toBeUndefined();
  }, 30_000);

  it('takeover first: the release deletes the row silently, the rejoin carries the presence on', async () => {
    const topic = uniqueTopic();
    const { watcher, first, secret } = await heldMember(topic);
    const mark = watcher.client.mark();
    const again = await connectTracked(gateway, clients);
    // The takeover is done; the grace release deletes the taken-over row before the rejoin writes its own.
    const own = gate.pause(writesRow(topic, again.id));
    const rejoining = join(topic, secret, { name: 'm' }, again);
    await own.reached;
    await waitUntil(async () => (await rowOf(topic, first.id)) === undefined, 'the grace release deleted the taken-over row', GRACE_MS + SLACK_MS);
    own.release();
    expect((await rejoining).reply.status).toBe('ok');
    await sleep(WINDOW_MS * 5 + 1000);
    expect(watcher.client.eventsSince(mark).filter((event) => event === 'presence_diff')).toEqual([]);
    expect(Object.keys(presenceOf(watcher.client, topic)).sort()).toEqual([first.id, watcher.id].sort());
    expect((await rowOf(topic, again.id))?.presenceKey).toBe(first.id);
  }, 30_000);
});

describe('a fan-out worker checking a join again after a takeover', () => {
  it('sends no leave for a presence that moved to the rejoin', async () => {
    const topic = uniqueTopic();
    const watcher = await join(topic, newMember(), { name: 'watcher' });
    // The watcher's own join diff is out before M subscribes: nothing else is posted to M's connection after its drop.
    await noDiffOnItsWay(gateway.runtime);
    const secret = newMember();
    const { client, id } = await connectTracked(gateway, clients);
    // The worker delivering M's join reads M's row again after its posts: held there (the
    // join reads the same row after its own posts, so the worker is told by its credentials).
    const worker = accessKeyOf(gateway, 'RealtimeFanoutWorker');
    const recheck = gate.pause((call) => call.accessKeyId === worker && call.name === 'BatchGetItemCommand' && JSON.stringify(call.input).includes(`"${id}"`));
    const first = await join(topic, secret, { name: 'm' }, { client, id });
    await recheck.reached;
    const mark = watcher.client.mark();
    // Meanwhile M's connection drops, M rejoins on a new one (taking its presence over), and its old row goes.
    client.socket.terminate();
    await waitUntil(async () => typeof (await rowOf(topic, first.id))?.heldUntil === 'number', 'the dropped member row is held');
    const again = await join(topic, secret, { name: 'm' });
    expect(again.reply.status).toBe('ok');
    await waitUntil(async () => (await rowOf(topic, first.id)) === undefined, 'the grace release deleted the taken-over row', GRACE_MS + SLACK_MS);
    recheck.release();
    await sleep(WINDOW_MS * 5 + 1000);
    expect(leavesOf(watcher.client, mark, first.id)).toBe(0);
    expect(Object.keys(presenceOf(watcher.client, topic)).sort()).toEqual([first.id, watcher.id].sort());
  }, 30_000);
});

describe('a second join of the member on the same connection', () => {
  it('keeps its presence (phoenix joins again after a join outlasted its push timeout): the others hear nothing', async () => {
    const topic = uniqueTopic();
    const watcher = await join(topic, newMember(), { name: 'watcher' });
    const secret = newMember();
    const first = await join(topic, secret, { name: 'm' });
    await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.joins);
    await sleep(WINDOW_MS * 3);
    const mark = watcher.client.mark();
    const before = await rowOf(topic, first.id);
    const again = await join(topic, secret, { name: 'm' }, first);
    expect(again.reply.status).toBe('ok');
    await sleep(WINDOW_MS * 5 + 500);
    expect(watcher.client.eventsSince(mark).filter((event) => event === 'presence_diff')).toEqual([]);
    expect((await rowOf(topic, first.id))?.meta).toBe(before?.meta);
  }, 30_000);
});

describe('a room at its presence cap', () => {
  it('stays under it when a member reconnects: the held row and its rejoin are one presence', async () => {
    const capped = await startTestGateway({ config: { presence: { windowMs: WINDOW_MS, graceMs: GRACE_MS, maxMembers: 3 } } });
    const own: WsClient[] = [];
    try {
      const topic = uniqueTopic();
      const enter = async (secret: string, name: string) => {
        const { client, id } = await connectTracked(capped, own);
        expect(((await client.request({ action: 'join', topic, payload: { meta: { name }, member: secret } })) as { payload: { status: string } }).payload.status).toBe('ok');
        return { client, id };
      };
      const watcher = await enter(newMember(), 'watcher');
      await enter(newMember(), 'other');
      const secret = newMember();
      const first = await enter(secret, 'm');
      await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.joins);
      await sleep(WINDOW_MS * 3);
      await noDiffOnItsWay(capped.runtime);
      const mark = watcher.client.mark();
      first.client.socket.terminate();
      const cappedTable = gatewayTable(capped);
      try {
        const { pk, sk } = topicRow(topic, first.id);
        await waitUntil(async () => typeof (await queryPartition(cappedTable, pk)).find((item) => item.sk === sk)?.heldUntil === 'number', 'the dropped member row is held');
      } finally {
        await cappedTable.stop();
      }
      const again = await enter(secret, 'm');
      // Past the grace period: the held row went, silently.
      await sleep(GRACE_MS + 1500);
      // No empty presence_state, no presence_occupancy, no diff: three members all along.
      expect(watcher.client.eventsSince(mark).filter((event) => event?.startsWith('presence_'))).toEqual([]);
      const state = ((await again.client.nextEvent('presence_state')) as { payload: PresenceState }).payload;
      expect(Object.keys(state)).toHaveLength(3);
    } finally {
      await closeAll(own);
      await capped.end();
    }
  }, 60_000);
});

describe("a channel module's leave under the grace period", () => {
  it('runs once for the old connection at $disconnect, with its assigns, and not again when the held row goes', async () => {
    const seats = await startTestGateway({
      config: { presence: { windowMs: WINDOW_MS, graceMs: GRACE_MS } },
      channels: [fileURLToPath(new URL('../support/fixtures/seat-channel.ts', import.meta.url))],
    });
    const own: WsClient[] = [];
    // The module runs in the $disconnect function's process: it notes its leaves in the table.
    const seatsTable = gatewayTable(seats);
    const kv = new DynamoChannelKv(seatsTable.documentClient, seats.tableName, systemClock);
    const noted = () => kv.list<string>('seat-leaves');
    try {
      const topic = `seat:${uniqueTopic()}`;
      const secret = newMember();
      const enter = async (seat: string) => {
        const { client, id } = await connectTracked(seats, own);
        expect(((await client.request({ action: 'join', topic, payload: { meta: { name: 'm' }, member: secret, seat } })) as { payload: { status: string } }).payload.status).toBe('ok');
        return { client, id };
      };
      const watcher = await connectTracked(seats, own);
      await watcher.client.request({ action: 'join', topic, payload: { seat: 'w' } });
      const first = await enter('a');
      await watcher.client.nextEvent('presence_diff', (m: { payload: PresenceDiff }) => first.id in m.payload.joins);
      await noDiffOnItsWay(seats.runtime);
      const mark = watcher.client.mark();
      first.client.socket.terminate();
      // A first $disconnect starts its function's process: a cold start on a loaded machine.
      await waitUntil(async () => (await noted()).length === 1, "the module's leave for the dropped connection", 20_000);
      expect(await noted()).toEqual(['a disconnect']);
      const again = await enter('b');
      await sleep(GRACE_MS + 1500);
      // Presence saw nothing; the module saw the old connection leave and the new one join, once each.
      expect(watcher.client.eventsSince(mark).filter((event) => event === 'presence_diff')).toEqual([]);
      expect(await noted()).toEqual(['a disconnect']);
      await again.client.close(4001, 'final');
      await waitUntil(async () => (await noted()).length === 2, "the module's leave for the final close");
      expect(await noted()).toEqual(['a disconnect', 'b disconnect']);
    } finally {
      await closeAll(own);
      await seatsTable.stop();
      await seats.end();
    }
  }, 60_000);
});
