import PusherServer from 'pusher';
import { describe, expect, it } from 'vitest';
import { verifyChannelAuth } from '../../../lambdas/core/pusher/channel-auth.js';

const APP = { appId: '1', key: 'app-key', secret: 'app-secret' };
const sdk = new PusherServer({ appId: APP.appId, key: APP.key, secret: APP.secret, host: '127.0.0.1' });

describe('channel auth, checked as Pusher checks it', () => {
  it('accepts what the official SDK signs for a private channel', () => {
    const { auth } = sdk.authorizeChannel('123.456', 'private-orders');
    expect(verifyChannelAuth(APP, '123.456', 'private-orders', auth)).toEqual({ ok: true });
  });

  it('accepts what the SDK signs for a presence channel, over the exact channel_data', () => {
    const { auth, channel_data: channelData } = sdk.authorizeChannel('123.456', 'presence-room', { user_id: '7', user_info: { name: 'A' } });
    expect(verifyChannelAuth(APP, '123.456', 'presence-room', auth, channelData)).toEqual({ ok: true });
    expect(verifyChannelAuth(APP, '123.456', 'presence-room', auth, `${channelData} `).ok).toBe(false);
  });

  it('refuses an auth for another socket, another channel, another key or secret, and no auth', () => {
    const { auth } = sdk.authorizeChannel('123.456', 'private-orders');
    const forged = new PusherServer({ appId: '1', key: APP.key, secret: 'guess', host: '127.0.0.1' }).authorizeChannel('123.456', 'private-orders').auth;
    expect(verifyChannelAuth(APP, '123.457', 'private-orders', auth).ok).toBe(false);
    expect(verifyChannelAuth(APP, '123.456', 'private-other', auth).ok).toBe(false);
    expect(verifyChannelAuth(APP, '123.456', 'private-orders', auth.replace('app-key', 'other-key'))).toEqual({ ok: false, message: expect.stringMatching(/key/) });
    expect(verifyChannelAuth(APP, '123.456', 'private-orders', forged)).toEqual({ ok: false, message: expect.stringMatching(/signature/) });
    for (const missing of [undefined, null, '', 42, 'app-key', 'app-key:']) expect(verifyChannelAuth(APP, '123.456', 'private-orders', missing).ok).toBe(false);
  });
});
