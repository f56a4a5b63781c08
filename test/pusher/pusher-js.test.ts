/**
 * pusher-js (the real npm package, Node build, unmodified) against the local gateway:
 * connection, public, private and presence channels, client events, and refusals.
 */
import { describe, expect, it } from 'vitest';
import { connected, nextEvent, publish, pusherClient, subscribed, uniqueChannel, usePusherGateway } from './pusher-support.js';

const site = usePusherGateway();
const track = site.track;

describe('pusher-js connects', () => {
  it('gets connection_established with a socket_id shaped \\d+.\\d+', async () => {
    // Act
    const socketId = await connected(track(pusherClient(site.gateway)));

    // Assess
    expect(socketId).toMatch(/^\d+\.\d+$/);
  });
});

describe('a wrong app key', () => {
  it('gets pusher:error 4001: pusher-js reports it and stops, with no reconnect', async () => {
    // Prepare
    const client = track(pusherClient(site.gateway, { key: 'not-the-app-key' }));
    const states: string[] = [];
    client.connection.bind('state_change', ({ current }: { current: string }) => states.push(current));

    // Act
    const error = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no error reported within 5 s (states: ${states.join(', ')})`)), 5000);
      client.connection.bind('error', (reported: unknown) => {
        clearTimeout(timer);
        resolve(reported);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Assess: reported, then disconnected for good (a refused handshake would go on connecting)
    expect(error).toMatchObject({ type: 'WebSocketError', error: { type: 'PusherError', data: { code: 4001 } } });
    expect(states).toEqual(['disconnected']);
    expect(client.connection.state).toBe('disconnected');
  });
});

describe('public channels', () => {
  it('subscribes, and receives client-free broadcasts a second client triggers through the server', async () => {
    // Prepare
    const channelName = uniqueChannel('public');
    const client = track(pusherClient(site.gateway));

    // Act
    const { channel } = await subscribed(client, channelName);
    const received = nextEvent(channel, 'shout');
    await publish(site.gateway, { topic: channelName, event: 'shout', payload: { text: 'hi' } });

    // Assess
    expect(await received).toEqual({ text: 'hi' });
  });
});

describe('private channels', () => {
  it('subscribes with an auth the server SDK signed, and client events reach the others but not the sender', async () => {
    // Prepare
    const channelName = uniqueChannel('private');
    const [alice, bob] = [track(pusherClient(site.gateway)), track(pusherClient(site.gateway))];
    const [{ channel: aliceChannel }, { channel: bobChannel }] = await Promise.all([subscribed(alice, channelName), subscribed(bob, channelName)]);
    const echoed: unknown[] = [];
    aliceChannel.bind('client-typing', (data: unknown) => echoed.push(data));

    // Act
    const atBob = nextEvent(bobChannel, 'client-typing');
    aliceChannel.trigger('client-typing', { who: 'alice' });

    // Assess
    expect(await atBob).toEqual({ who: 'alice' });
    expect(echoed).toEqual([]);
  });

  it('refuses an auth signed with another secret (forged) with pusher:subscription_error', async () => {
    // Prepare
    const channelName = uniqueChannel('private');
    const forger = track(pusherClient(site.gateway, { secret: 'not-the-app-secret' }));

    // Act
    const outcome = await subscribed(forger, channelName).then(
      () => 'subscribed',
      (error: { data?: unknown }) => error.data,
    );

    // Assess
    expect(outcome).toMatchObject({ type: 'AuthError', status: 403, reason: 'unauthorized' });
  });
});

describe('presence channels', () => {
  it('lists members on subscribe and announces member_added and member_removed', async () => {
    // Prepare
    const channelName = uniqueChannel('presence');
    const alice = track(pusherClient(site.gateway, { member: { user_id: 'alice', user_info: { name: 'Alice' } } }));
    const { channel } = await subscribed(alice, channelName);

    // Act
    const added = nextEvent(channel, 'pusher:member_added');
    const bob = track(pusherClient(site.gateway, { member: { user_id: 'bob', user_info: { name: 'Bob' } } }));
    const bobCount = ((await subscribed(bob, channelName)).data as { count: number }).count;
    const addedMember = await added;
    const removed = nextEvent(channel, 'pusher:member_removed');
    bob.unsubscribe(channelName);

    // Assess
    expect(addedMember).toEqual({ id: 'bob', info: { name: 'Bob' } });
    expect(bobCount).toBe(2);
    expect(await removed).toEqual({ id: 'bob', info: { name: 'Bob' } });
  });
});

describe('client events on presence channels', () => {
  it("carry the sender's user_id, which pusher-js hands to bindings as metadata", async () => {
    // Prepare
    const channelName = uniqueChannel('presence');
    const alice = track(pusherClient(site.gateway, { member: { user_id: 'alice' } }));
    const bob = track(pusherClient(site.gateway, { member: { user_id: 'bob' } }));
    const [{ channel: aliceChannel }, { channel: bobChannel }] = [await subscribed(alice, channelName), await subscribed(bob, channelName)];

    // Act
    const atBob = new Promise<{ data: unknown; userId: unknown }>((resolve) => {
      bobChannel.bind('client-wave', (data: unknown, metadata: { user_id?: unknown } | undefined) => resolve({ data, userId: metadata?.user_id }));
    });
    aliceChannel.trigger('client-wave', { hi: 1 });

    // Assess
    expect(await atBob).toEqual({ data: { hi: 1 }, userId: 'alice' });
  });
});

describe('presence members counted per user, as Pusher counts them', () => {
  it('announces a user once for two connections, and removes it only with the last', async () => {
    // Prepare
    const channelName = uniqueChannel('presence');
    const observer = track(pusherClient(site.gateway, { member: { user_id: 'observer' } }));
    const { channel } = await subscribed(observer, channelName);
    const events: string[] = [];
    channel.bind('pusher:member_added', (member: { id: string }) => events.push(`added ${member.id}`));
    channel.bind('pusher:member_removed', (member: { id: string }) => events.push(`removed ${member.id}`));
    const laptop = track(pusherClient(site.gateway, { member: { user_id: 'alice' } }));
    const phone = track(pusherClient(site.gateway, { member: { user_id: 'alice' } }));

    // Act
    await subscribed(laptop, channelName);
    // pusher-js hands over its live Members object: read the count now.
    const { count: countAtPhone } = (await subscribed(phone, channelName)).data as { count: number };
    laptop.unsubscribe(channelName);
    // The observer hears of both alice changes before a later marker member, whose join
    // follows them (each is sent before the next frame is answered).
    const marker = nextEvent(channel, 'pusher:member_added');
    await subscribed(track(pusherClient(site.gateway, { member: { user_id: 'marker' } })), channelName);
    await marker;
    const removed = nextEvent(channel, 'pusher:member_removed');
    phone.unsubscribe(channelName);
    await removed;

    // Assess
    expect(countAtPhone).toBe(2);
    expect(events).toEqual(['added alice', 'added marker', 'removed alice']);
  });
});
