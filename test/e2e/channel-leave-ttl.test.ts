/**
 * Regression (issue 18, item 11): a subscription DynamoDB's TTL removes (the connection
 * vanished without a `$disconnect`) gets its channel module's `leave` with reason 'gone',
 * as docs/channels.md promises. The local gateway's sweeper deletes expired items as TTL
 * does; the table stream carries the connection row's deletion to the presence reader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoChannelKv } from '../../lambdas/adapters/dynamodb/channel-kv.js';
import { systemClock } from '../../lambdas/composition/system.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { gatewayTable, uniqueTopic, connectTracked, waitUntil } from '../support/local-gateway.js';
import { expireConnection, itemsOfConnection } from '../support/table-items.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const dir = mkdtempSync(join(tmpdir(), 'topicast-ttl-leave-'));
const MODULE = join(dir, 'desk.ts');
writeFileSync(
  MODULE,
  `interface Socket { connectionId: string; assigns: { desk?: string }; assign(v: object): void; kv: { append(k: string, v: unknown, o: { keep: number }): Promise<void> } }
export default {
  topic: 'desk:*',
  join(_topic: string, params: { desk?: string }, socket: Socket) {
    socket.assign({ desk: params.desk ?? '?' });
    return { ok: {} };
  },
  async leave(topic: string, socket: Socket, reason: string) {
    await socket.kv.append('desk-log', topic + ' ' + socket.connectionId + ' ' + String(socket.assigns.desk) + ' ' + reason, { keep: 100 });
  },
};
`,
);

let gateway: RunningGateway;
const clients: WsClient[] = [];
beforeAll(async () => {
  gateway = await startTestGateway({ channels: [MODULE] });
});
afterAll(async () => {
  await closeAll(clients);
  await gateway?.end();
  rmSync(dir, { recursive: true, force: true });
});

it("runs the module's leave with reason gone, and the join's assigns, for a subscription TTL removed", async () => {
  // Prepare: a member whose items expired a second ago (no $disconnect ran)
  const table = gatewayTable(gateway);
  const kv = new DynamoChannelKv(table.documentClient, gateway.tableName, systemClock);
  const topic = uniqueTopic('desk');
  const { client, id } = await connectTracked(gateway, clients);
  await client.join(topic, { desk: 'd7' });
  const now = Math.floor(Date.now() / 1000);
  await expireConnection(table, id, now - 1);

  // Act
  await gateway.sweep(now);
  await gateway.flushPresence();

  // Assess: the items are gone, and the module heard the leave once
  expect(await itemsOfConnection(table, id)).toEqual([]);
  await waitUntil(async () => (await kv.list<string>('desk-log')).length > 0, 'the module logged a leave', 5000);
  expect(await kv.list<string>('desk-log')).toEqual([`${topic} ${id} d7 gone`]);
});
