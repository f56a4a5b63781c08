/**
 * `topicast dynamodb`: one embedded DynamoDB that several gateways share with
 * DYNAMODB_ENDPOINT. A client on each gateway chats across them, and the dashboard's state
 * of either gateway counts every connection in the shared table, not only its own. The
 * gateways are what `npm start` runs (the template runtime with its pages), sharing this
 * machine's local identity as two `npm start`s do.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import { gatewayTable, waitUntil } from '../support/local-gateway.js';
import { scanTable } from '../support/table-items.js';
import { openClient, closeAll, type WsClient } from '../support/ws-client.js';

const bin = fileURLToPath(new URL('../../cli/topicast.mjs', import.meta.url));
let dynamodb: ChildProcessWithoutNullStreams;
let endpoint: string;
let gatewayA: RunningGateway;
let gatewayB: RunningGateway;
const clients: WsClient[] = [];

beforeAll(async () => {
  dynamodb = spawn(process.execPath, [bin, 'dynamodb', '--port', '0'], { env: process.env });
  endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    dynamodb.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    dynamodb.once('close', (code) => reject(new Error(`topicast dynamodb exited ${String(code)}: ${out}`)));
  });
  gatewayA = await startGateway({ pages: true, dynamoEndpoint: endpoint });
  gatewayB = await startGateway({ pages: true, dynamoEndpoint: endpoint });
  // Each function's first invocation starts its process: done here, not inside the test's waits;
  // then the warm-up's connections are gone from the shared table before the test counts it.
  for (const gateway of [gatewayA, gatewayB]) await warmUp(gateway, 1, 'room:warm-up');
  // Read from the table itself: the dashboard's state is cached for a second, and the test reads it next.
  const table = gatewayTable(gatewayA);
  try {
    // Connection items, and the warm-up topic's subscription rows (its occupancy count item stays, at 0).
    const leftOver = (item: Record<string, unknown>) => String(item.pk).startsWith('c#') || String(item.pk).startsWith('t#room:warm-up');
    await waitUntil(async () => !(await scanTable(table)).some(leftOver), "the warm-up's connections are gone", 20_000);
  } finally {
    await table.stop();
  }
}, 180_000);

afterAll(async () => {
  await closeAll(clients);
  await gatewayA?.end();
  await gatewayB?.end();
  dynamodb?.kill('SIGTERM');
});

/** The Management API endpoint a gateway's functions record with its connections, which the dashboard groups by. */
const recordedEndpoint = (gateway: RunningGateway) => `https://127.0.0.1:${gateway.port}/${gateway.stage}`;

async function stateOf(gateway: RunningGateway): Promise<Record<string, unknown>> {
  return (await (await fetch(`${gateway.url.replace('ws:', 'http:')}/_topicast/api/state`)).json()) as Record<string, unknown>;
}

describe('topicast dynamodb shared by two gateways', () => {
  it('carries a push across gateways, and each dashboard counts every connection in the table', async () => {
    // Prepare
    const alice = await openClient(gatewayA.url);
    const bob = await openClient(gatewayB.url);
    clients.push(alice, bob);
    await alice.join('room:shared', { meta: { name: 'alice' } });
    await bob.join('room:shared', { meta: { name: 'bob' } });

    // Act
    alice.send({ action: 'push', topic: 'room:shared', event: 'shout', payload: { body: 'hi bob' } });

    // Assess
    expect(await bob.nextEvent('shout')).toMatchObject({ payload: { body: 'hi bob' } });
    for (const [self, other] of [
      [gatewayA, gatewayB],
      [gatewayB, gatewayA],
    ] as const) {
      expect(await stateOf(self)).toEqual({
        scope: 'table',
        connections: 2,
        topics: [{ topic: 'room:shared', subscribers: 2, presence: 2 }],
        gateways: [
          { endpoint: recordedEndpoint(self), connections: 1, self: true },
          { endpoint: recordedEndpoint(other), connections: 1, self: false },
        ],
        truncated: false,
      });
    }
  });

  it('stops on SIGTERM', async () => {
    await closeAll(clients.splice(0));
    await gatewayA.end();
    await gatewayB.end();
    const exited = new Promise<number | null>((resolve) => dynamodb.once('close', resolve));
    dynamodb.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
