/**
 * Several gateways on one DynamoDB, as several API Gateway stages or a fleet of local
 * gateways would be: each connection records the endpoint of the gateway that owns its
 * socket, so pushes, presence and leaves cross gateways. Two template runtimes, as two
 * `npm start`s on one DYNAMODB_ENDPOINT: they share this machine's local identity (one TLS
 * certificate, role credentials derived from one secret), so one runtime's functions post
 * to the other's connections, signed as their own roles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import type { TestTable } from '../support/dynalite.js';
import { gatewayTable, uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { getItem, itemsOfConnection } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
let table: TestTable;
const clients: WsClient[] = [];

beforeAll(async () => {
  gatewayA = await startTestGateway();
  gatewayB = await startTestGateway({ dynamoEndpoint: gatewayA.dynamoEndpoint });
  table = gatewayTable(gatewayA);
  // Each function's first invocation starts its process: done here, not inside the tests' waits.
  await warmUp(gatewayA, 2, uniqueTopic());
  await warmUp(gatewayB, 2, uniqueTopic());
  // The push function too, on each gateway (warmUp starts the connect, join, disconnect and presence ones).
  for (const gateway of [gatewayA, gatewayB]) {
    const { client } = await connectTracked(gateway, clients);
    const topic = uniqueTopic();
    await client.join(topic);
    await client.request({ action: 'push', topic, event: 'warm', payload: {} }, 60_000);
  }
  await closeAll(clients.splice(0));
}, 180_000);

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await table?.stop();
  // B first: A hosts the DynamoDB that B's $disconnect handlers still need.
  await gatewayB?.end();
  await gatewayA?.end();
});

/** The Management API endpoint a gateway's functions record with its connections (`https://{domainName}/{stage}`). */
const recordedEndpoint = (gateway: RunningGateway) => `https://127.0.0.1:${gateway.port}/${gateway.stage}`;

async function connect(gateway: RunningGateway): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients);
}

describe('two gateways sharing one DynamoDB', () => {
  it('uses one table: B found the table A created', () => {
    expect(gatewayB.dynamoEndpoint).toBe(gatewayA.dynamoEndpoint);
    expect(gatewayB.tableName).toBe(gatewayA.tableName);
    expect(gatewayB.managementEndpoint).not.toBe(gatewayA.managementEndpoint);
  });

  it('records with each connection the endpoint of the gateway that owns its socket', async () => {
    // Prepare and act
    const { id: onA } = await connect(gatewayA);
    const { id: onB } = await connect(gatewayB);

    // Assess
    expect(await getItem(table, { pk: `c#${onA}`, sk: 'c' })).toMatchObject({ endpoint: recordedEndpoint(gatewayA) });
    expect(await getItem(table, { pk: `c#${onB}`, sk: 'c' })).toMatchObject({ endpoint: recordedEndpoint(gatewayB) });
  });

  it('lists a member on A in the presence_state of a joiner on B, and tells A of the join', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice, id: aliceId } = await connect(gatewayA);
    const { client: bob, id: bobId } = await connect(gatewayB);
    await alice.join(topic, { meta: { at: 'A' } });

    // Act
    await bob.join(topic, { meta: { at: 'B' } });

    // Assess
    const state = await bob.nextEvent('presence_state');
    expect(state.payload).toEqual({
      [aliceId]: { metas: [{ at: 'A', phx_ref: expect.any(String) }] },
      [bobId]: { metas: [{ at: 'B', phx_ref: expect.any(String) }] },
    });
    const diff = await alice.nextEvent('presence_diff');
    expect(diff.payload).toEqual({ joins: { [bobId]: { metas: [{ at: 'B', phx_ref: expect.any(String) }] } }, leaves: {} });
  });

  it('delivers a push on B to the client on A, and a push on A to the client on B', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice } = await connect(gatewayA);
    const { client: bob } = await connect(gatewayB);
    await alice.join(topic);
    await bob.join(topic);

    // Act
    const fromB = await bob.request({ action: 'push', topic, event: 'shout', payload: { from: 'B' } });
    const fromA = await alice.request({ action: 'push', topic, event: 'shout', payload: { from: 'A' } });

    // Assess
    expect(fromB).toMatchObject({ payload: { status: 'ok' } });
    expect(fromA).toMatchObject({ payload: { status: 'ok' } });
    for (const client of [alice, bob]) {
      expect(await client.nextEvent('shout', (m) => m.payload.from === 'B')).toEqual({ topic, event: 'shout', payload: { from: 'B' } });
      expect(await client.nextEvent('shout', (m) => m.payload.from === 'A')).toEqual({ topic, event: 'shout', payload: { from: 'A' } });
    }
  });

  it('reaches several clients on each gateway, with self:false excluding only the sender', async () => {
    // Prepare
    const topic = uniqueTopic();
    const onA = await Promise.all([connect(gatewayA), connect(gatewayA), connect(gatewayA)]);
    const onB = await Promise.all([connect(gatewayB), connect(gatewayB), connect(gatewayB)]);
    const everyone = [...onA, ...onB].map(({ client }) => client);
    for (const client of everyone) await client.join(topic);
    const sender = onB[0]!.client;
    const senderMark = sender.mark();

    // Act
    await sender.request({ action: 'push', topic, event: 'news', payload: { n: 1 }, self: false });

    // Assess
    for (const client of everyone.filter((c) => c !== sender)) {
      expect(await client.nextEvent('news')).toEqual({ topic, event: 'news', payload: { n: 1 } });
    }
    await sender.ping();
    expect(sender.framesSince(senderMark).filter((m: any) => m.event === 'news')).toEqual([]);
  });

  it('announces the leave of a client on B that disconnects to the client on A', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client: alice } = await connect(gatewayA);
    const { client: bob, id: bobId } = await connect(gatewayB);
    await alice.join(topic);
    await bob.join(topic);
    await alice.nextEvent('presence_diff', (m) => m.payload.joins[bobId] !== undefined);

    // Act
    await bob.close();

    // Assess
    const diff = await alice.nextEvent('presence_diff', (m) => m.payload.leaves[bobId] !== undefined);
    expect(diff.payload.joins).toEqual({});
    expect(await itemsOfConnection(table, bobId)).toEqual([]);
  });

  it('with a runtime of another identity: posts across are refused, and neither reaps the other\'s connections', async () => {
    // Prepare: C shares the store but not the local identity (as another user's, or another template's, runtime).
    const identityDir = join(mkdtempSync(join(tmpdir(), 'other-identity-')), 'local');
    const gatewayC = await startTestGateway({ dynamoEndpoint: gatewayA.dynamoEndpoint, identityDir });
    try {
      await warmUp(gatewayC, 1, uniqueTopic());
      const topic = uniqueTopic();
      const { client: alice, id: aliceId } = await connect(gatewayA);
      const { client: carol, id: carolId } = await connect(gatewayC);
      await alice.join(topic);
      await carol.join(topic);
      await gatewayA.flushPresence();
      await gatewayC.flushPresence();

      // Act
      const pushed = await alice.request({ action: 'push', topic, event: 'shout', payload: { from: 'A' } }, 30_000);
      const back = await carol.request({ action: 'push', topic, event: 'shout', payload: { from: 'C' } }, 30_000);

      // Assess: each got its own push only; both connections and their rows are still there.
      expect(pushed).toMatchObject({ payload: { status: 'ok' } });
      expect(back).toMatchObject({ payload: { status: 'ok' } });
      await carol.ping();
      await alice.ping();
      expect(carol.messages.filter((m: any) => m.event === 'shout').map((m: any) => m.payload.from)).toEqual(['C']);
      expect(alice.messages.filter((m: any) => m.event === 'shout').map((m: any) => m.payload.from)).toEqual(['A']);
      expect(alice.isOpen && carol.isOpen).toBe(true);
      expect(await itemsOfConnection(table, carolId)).not.toEqual([]);
      expect(await itemsOfConnection(table, aliceId)).not.toEqual([]);
      expect(gatewayA.lines.some((line) => line.includes('post failed'))).toBe(true);
    } finally {
      await closeAll(clients.splice(0));
      await gatewayC.end();
      rmSync(join(identityDir, '..'), { recursive: true, force: true });
    }
  }, 120_000);
});
