/**
 * Two first connections of one user join a Pusher presence channel at the same instant. A
 * user is announced by the join of its earliest connection (refs are ordered by join time),
 * decided from the members each join reads after its write; when the earlier join's write
 * lands after the later one has read and announced, both took themselves for the first.
 * Forced here: the earlier join is held at its topic row write while the later one joins in
 * full. `member_added` must reach the other members once (a conditional claim decides).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { connectionIdOfSocketId } from '../../lambdas/core/pusher/socket-id.js';
import { startGatedDynamo, type GatedDynamo } from '../support/gated-dynamo.js';
import { keyOf, type StoreGate } from '../support/store-gate.js';
import { connected, nextEvent, PUSHER_ENV, pusherClient, subscribed, uniqueChannel, type Pusher } from '../pusher/pusher-support.js';

let gateway: RunningGateway;
let gate: StoreGate;
let dynamo: GatedDynamo;
const clients: Pusher[] = [];

beforeAll(async () => {
  // The functions run in processes of their own: their DynamoDB requests are gated on the way to DynamoDB.
  dynamo = await startGatedDynamo();
  gate = dynamo.gate;
  gateway = await startTestGateway({ dynamoEndpoint: dynamo.endpoint, env: PUSHER_ENV });
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await gateway?.end();
  await dynamo?.stop();
});

function member(userId: string): Pusher {
  const client = pusherClient(gateway, { member: { user_id: userId } });
  clients.push(client);
  return client;
}

it('the earlier join written after the later one announced: member_added once', async () => {
  // Prepare: an observer on the channel, and two connections of alice
  const channelName = uniqueChannel('presence');
  const { channel } = await subscribed(member('observer'), channelName);
  const added: string[] = [];
  channel.bind('pusher:member_added', ({ id }: { id: string }) => added.push(id));
  const [laptop, phone] = [member('alice'), member('alice')];
  const laptopId = connectionIdOfSocketId(await connected(laptop));
  await connected(phone);

  // Act: the laptop's join (the earlier ref) is held at its topic row; the phone joins in full; then the laptop goes on
  const held = gate.pause((call) => call.name === 'PutItemCommand' && keyOf(call) === `t#${channelName}#0|${laptopId}`);
  const laptopJoined = subscribed(laptop, channelName);
  await held.reached;
  await new Promise((resolve) => setTimeout(resolve, 5));
  await subscribed(phone, channelName);
  held.release();
  await laptopJoined;
  // A later member's join is announced after both of alice's.
  const marker = nextEvent(channel, 'pusher:member_added');
  await subscribed(member('marker'), channelName);
  await marker;

  // Assess
  expect(added).toEqual(['alice', 'marker']);
});
