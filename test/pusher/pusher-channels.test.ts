/**
 * pusher-js against topicast's own channel features: a channel module runs for Pusher
 * clients (join decides, handleIn transforms client events), and client events are
 * rate-limited per connection with Pusher's error code 4301.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nextEvent, pusherClient, subscribed, usePusherGateway } from './pusher-support.js';

const GAME = fileURLToPath(new URL('./fixtures/game-channel.ts', import.meta.url));
const PUSH_LIMIT = 3;

const site = usePusherGateway({ channels: [GAME], config: { limits: { maxPushesPerWindow: PUSH_LIMIT, pushesPerCounterWrite: 1 } } });
const track = site.track;

let counter = 0;
const channelName = (prefix: string) => `${prefix}${process.pid}-${(counter += 1)}`;

describe('a channel module runs for Pusher clients', () => {
  it("refuses a join its `join` refuses, with the module's reason in pusher:subscription_error", async () => {
    // Prepare
    const client = track(pusherClient(site.gateway, { member: { user_id: 'nobody', user_info: {} } }));

    // Act
    const outcome = await subscribed(client, channelName('presence-game-')).then(
      () => 'subscribed',
      (error: { data?: unknown }) => error.data,
    );

    // Assess
    expect(outcome).toMatchObject({ type: 'SubscriptionError', reason: 'team_required', error: 'pick red or blue' });
  });

  it('runs handleIn on client events: the module adds the team, and the sender gets nothing back', async () => {
    // Prepare
    const game = channelName('presence-game-');
    const red = track(pusherClient(site.gateway, { member: { user_id: 'r', user_info: { team: 'red' } } }));
    const blue = track(pusherClient(site.gateway, { member: { user_id: 'b', user_info: { team: 'blue' } } }));
    const [{ channel: redChannel }, { channel: blueChannel }] = await Promise.all([subscribed(red, game), subscribed(blue, game)]);
    const echoed: unknown[] = [];
    redChannel.bind('client-move', (data: unknown) => echoed.push(data));

    // Act
    const atBlue = nextEvent(blueChannel, 'client-move');
    redChannel.trigger('client-move', { x: 1 });

    // Assess
    expect(await atBlue).toEqual({ x: 1, team: 'red' });
    expect(echoed).toEqual([]);
  });
});

describe('client events are rate-limited', () => {
  it(`delivers ${PUSH_LIMIT} per window and answers the rest with pusher:error 4301`, async () => {
    // Prepare
    const room = channelName('private-limited-');
    const [sender, receiver] = [track(pusherClient(site.gateway)), track(pusherClient(site.gateway))];
    const [{ channel: sent }, { channel: received }] = await Promise.all([subscribed(sender, room), subscribed(receiver, room)]);
    const delivered: unknown[] = [];
    received.bind('client-tick', (data: unknown) => delivered.push(data));
    const refusals: { code: number | null; reason: string }[] = [];
    sender.connection.bind('error', (error: { type: string; data: { code: number | null; reason: string } }) => {
      if (error.type === 'PusherError') refusals.push(error.data);
    });

    // Act: each frame is sent once the previous one was handled (API Gateway runs one
    // connection's frames concurrently; the count is the point here, not the order)
    for (let n = 1; n <= PUSH_LIMIT + 2; n += 1) {
      sent.trigger('client-tick', { n });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const start = Date.now();
    while (refusals.length < 2 && Date.now() - start < 5000) await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(refusals).toEqual([
      { code: 4301, message: expect.any(String), reason: 'rate_limited', channel: room },
      { code: 4301, message: expect.any(String), reason: 'rate_limited', channel: room },
    ]);
    expect(delivered).toHaveLength(PUSH_LIMIT);
  });
});
