/**
 * A topic over its presence cap, through the local gateway and its emulated table stream,
 * with native clients: past the cap every member holds an empty presence_state and hears
 * presence_occupancy counts once per window; back under it, everyone gets the whole state
 * again, and diffs resume.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { uniqueTopic, connectTracked } from '../support/local-gateway.js';
import { closeAll, type WsClient } from '../support/ws-client.js';

const CAP = 3;
const WINDOW_MS = 1000;
let gateway: RunningGateway;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ config: { presence: { windowMs: WINDOW_MS, topics: [{ pattern: 'crowd:*', maxMembers: CAP }] } } });
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

async function connect(): Promise<{ client: WsClient; id: string }> {
  return connectTracked(gateway, clients);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('presence cap', () => {
  it('switches a topic to occupancy past its cap and back to presence under it', async () => {
    // Prepare: three members, the cap, settled (each heard the last join's window)
    const topic = uniqueTopic('crowd');
    const members: { client: WsClient; id: string }[] = [];
    for (let i = 0; i < CAP; i += 1) {
      const member = await connect();
      await member.client.join(topic, { meta: { i } });
      // Taken here, so that later waits for a presence_state find only new ones.
      await member.client.nextEvent('presence_state');
      members.push(member);
    }
    const [first, second, third] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    await first.client.nextEvent('presence_diff', (m) => m.payload.joins[third.id]);
    await sleep(WINDOW_MS / 2);
    const firstMark = first.client.mark();

    // Act 1: a fourth joins
    const { client: fourth } = await connect();
    const fourthMark = fourth.mark();
    await fourth.join(topic);
    const count = await first.client.nextEvent('presence_occupancy');

    // Assess 1: the joiner has its reply, an empty state and the last window's count at once
    const fourthFrames = fourth.framesSince(fourthMark) as { event: string; payload: unknown }[];
    expect(fourthFrames.slice(0, 3).map((f) => f.event)).toEqual(['phx_reply', 'presence_state', 'presence_occupancy']);
    expect(fourthFrames[1]?.payload).toEqual({});
    expect(fourthFrames[2]?.payload).toEqual({ subscribers: CAP, presence: CAP });
    // Assess 1: the members drop their lists (an empty state) and hear the new count, in one window
    expect(count.payload).toEqual({ subscribers: CAP + 1, presence: CAP + 1 });
    expect(first.client.eventsSince(firstMark)).toEqual(['presence_state', 'presence_occupancy']);
    expect((first.client.framesSince(firstMark)[0] as { payload: unknown }).payload).toEqual({});

    // Act 2: a fifth joins while capped
    const afterCapMark = first.client.mark();
    const { client: fifth } = await connect();
    await fifth.join(topic);
    const recount = await first.client.nextEvent('presence_occupancy', (m) => m.payload.subscribers === CAP + 2);

    // Assess 2: only the count now, no state or diff
    expect(recount.payload).toEqual({ subscribers: CAP + 2, presence: CAP + 2 });
    await sleep(WINDOW_MS / 2);
    expect(first.client.eventsSince(afterCapMark)).toEqual(['presence_occupancy']);

    // Act 3: the fourth and fifth leave; the topic is at its cap again
    const uncapMark = first.client.mark();
    await fourth.request({ action: 'leave', topic });
    await fifth.request({ action: 'leave', topic });
    const state = await first.client.nextEvent('presence_state', (m) => Object.keys(m.payload).length > 0);

    // Assess 3: everyone lists the members again
    expect(Object.keys(state.payload).sort()).toEqual([first.id, second.id, third.id].sort());
    await sleep(WINDOW_MS / 2);
    expect(first.client.eventsSince(uncapMark)).toEqual(['presence_state']);

    // Act 4: one leaves; diffs resume
    const diffMark = first.client.mark();
    await third.client.request({ action: 'leave', topic });
    const diff = await first.client.nextEvent('presence_diff', (m) => m.payload.leaves[third.id]);

    // Assess 4
    expect(Object.keys(diff.payload.joins)).toEqual([]);
    expect(first.client.eventsSince(diffMark)).toEqual(['presence_diff']);
  });

  it('rejects a cap that is not a positive integer, naming the field', async () => {
    // Act / Assess
    await expect(startTestGateway({ config: { presence: { topics: [{ pattern: 'crowd:*', maxMembers: 0 }] } } })).rejects.toThrow(/presence\.topics\.0\.maxMembers must be an integer from 1 to 10000/);
  });
});
