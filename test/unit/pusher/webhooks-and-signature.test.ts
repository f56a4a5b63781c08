/**
 * The pure parts of the HTTP side: the string Pusher signs (as the `pusher` SDK builds it),
 * and which webhook a lifecycle event makes, counted per user.
 */
import Pusher from 'pusher';
import { describe, expect, it } from 'vitest';
import { stringToSign, verifyPusherSignature } from '../../../lambdas/core/pusher/http-signature.js';
import { memberEvent, planWebhook, signedWebhook } from '../../../lambdas/core/pusher/webhooks.js';

const APP = { appId: '1', key: 'k', secret: 's3cret' };

describe('Pusher request signatures', () => {
  it('accepts the query string the SDK signs, values with commas and all, and refuses it a second later than 600 s', () => {
    const sdk = new Pusher({ ...APP, host: 'h' });
    const path = '/apps/1/channels/presence-a';
    const query = sdk.createSignedQueryString({ method: 'GET', path, params: { info: 'user_count,subscription_count' } });
    const pairs = [...new URLSearchParams(query).entries()];
    const signedAt = Number(new URLSearchParams(query).get('auth_timestamp'));
    expect(verifyPusherSignature(APP, { method: 'GET', path, query: pairs, body: '' }, signedAt + 600)).toEqual({ ok: true });
    expect(verifyPusherSignature(APP, { method: 'GET', path, query: pairs, body: '' }, signedAt + 601)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(verifyPusherSignature(APP, { method: 'POST', path, query: pairs, body: '' }, signedAt)).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });

  it('sorts lower-cased keys and leaves auth_signature out', () => {
    expect(stringToSign({ method: 'post', path: '/p', query: [['B', '2'], ['auth_signature', 'x'], ['a', '1']] })).toBe('POST\n/p\na=1&b=2');
  });
});

describe('webhooks from lifecycle events', () => {
  const joined = { detailType: 'joined', detail: { topic: 'presence-r', connectionId: 'c1', presence: { key: 'alice' } }, timeMs: 5 };

  it('maps occupancy on every channel and membership on presence channels only', () => {
    expect(planWebhook({ detailType: 'occupied', detail: { topic: 'room' }, timeMs: 1 })).toEqual({ kind: 'send', event: { name: 'channel_occupied', channel: 'room' } });
    expect(planWebhook({ detailType: 'vacated', detail: { topic: 'room' }, timeMs: 1 })).toEqual({ kind: 'send', event: { name: 'channel_vacated', channel: 'room' } });
    expect(planWebhook({ ...joined, detail: { ...joined.detail, topic: 'private-r' } })).toEqual({ kind: 'none' });
    expect(planWebhook({ detailType: 'connected', detail: {}, timeMs: 1 })).toEqual({ kind: 'none' });
    expect(planWebhook({ ...joined, detail: { ...joined.detail, presence: null } })).toEqual({ kind: 'none' });
  });

  it('adds a user on its only connection and removes it when none is left', () => {
    const added = planWebhook(joined);
    if (added.kind !== 'member') throw new Error('expected a member plan');
    expect(memberEvent(added, ['c1'])).toEqual({ name: 'member_added', channel: 'presence-r', user_id: 'alice' });
    expect(memberEvent(added, ['c1', 'c2'])).toBeNull();
    const removed = planWebhook({ ...joined, detailType: 'left' });
    if (removed.kind !== 'member') throw new Error('expected a member plan');
    expect(memberEvent(removed, ['c2'])).toBeNull();
    expect(memberEvent(removed, [])).toEqual({ name: 'member_removed', channel: 'presence-r', user_id: 'alice' });
  });

  it('signs the body so that the SDK accepts it', () => {
    const webhook = signedWebhook(APP, 1234, [{ name: 'channel_occupied', channel: 'room' }]);
    expect(JSON.parse(webhook.body)).toEqual({ time_ms: 1234, events: [{ name: 'channel_occupied', channel: 'room' }] });
    expect(new Pusher({ ...APP, host: 'h' }).webhook({ headers: { ...webhook.headers }, rawBody: webhook.body }).isValid()).toBe(true);
  });
});
