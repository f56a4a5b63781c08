/**
 * Pusher webhooks (pusher.com/docs/channels/server_api/webhooks) built from topicast's
 * lifecycle events (core/lifecycle-events.ts): `occupied`/`vacated` become
 * `channel_occupied`/`channel_vacated`, and on `presence-` channels `joined`/`left` become
 * `member_added`/`member_removed`, counted per user as Pusher counts them: a user's second
 * connection adds nobody, and only its last one out removes it. The body is Pusher's
 * `{"time_ms", "events": [...]}`, signed with `X-Pusher-Key` and `X-Pusher-Signature`
 * (hex HMAC-SHA256 of the body with the app secret), so `pusher.webhook(request).isValid()`
 * accepts it.
 */
import type { PusherApp } from './app.js';
import { pusherChannelKind } from './app.js';
import { pusherHmac } from './http-signature.js';

/** The environment variable naming the URL webhooks are POSTed to (the construct's `pusher.webhooks.url`). */
export const PUSHER_WEBHOOK_URL_ENV = 'TOPICAST_PUSHER_WEBHOOK_URL';

export type PusherWebhookEvent =
  | { readonly name: 'channel_occupied' | 'channel_vacated'; readonly channel: string }
  | { readonly name: 'member_added' | 'member_removed'; readonly channel: string; readonly user_id: string };

/** The part of a lifecycle event (as EventBridge delivers it) a webhook is made from. */
export interface LifecycleNotice {
  readonly detailType: string;
  readonly detail: { readonly topic?: unknown; readonly connectionId?: unknown; readonly presence?: { readonly key?: unknown } | null };
  readonly timeMs: number;
}

/** What must be known about a member's other connections to count per user, or nothing when no webhook can follow. */
export type WebhookPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'send'; readonly event: PusherWebhookEvent }
  /** A presence change: the webhook depends on whether the user still has (other) connections on the channel. */
  | { readonly kind: 'member'; readonly change: 'added' | 'removed'; readonly channel: string; readonly userId: string; readonly connectionId: string };

export function planWebhook(notice: LifecycleNotice): WebhookPlan {
  const topic = notice.detail.topic;
  if (typeof topic !== 'string') return { kind: 'none' };
  if (notice.detailType === 'occupied') return { kind: 'send', event: { name: 'channel_occupied', channel: topic } };
  if (notice.detailType === 'vacated') return { kind: 'send', event: { name: 'channel_vacated', channel: topic } };
  if ((notice.detailType !== 'joined' && notice.detailType !== 'left') || pusherChannelKind(topic) !== 'presence') return { kind: 'none' };
  const key = notice.detail.presence?.key;
  const connectionId = notice.detail.connectionId;
  if (typeof key !== 'string' || typeof connectionId !== 'string') return { kind: 'none' };
  return { kind: 'member', change: notice.detailType === 'joined' ? 'added' : 'removed', channel: topic, userId: key, connectionId };
}

/**
 * The member event, given the connections the user holds on the channel now (read after the
 * change): added when this connection is its only one, removed when none is left.
 */
export function memberEvent(plan: Extract<WebhookPlan, { kind: 'member' }>, connectionsOfUser: readonly string[]): PusherWebhookEvent | null {
  if (plan.change === 'added') {
    const others = connectionsOfUser.filter((id) => id !== plan.connectionId);
    return others.length === 0 ? { name: 'member_added', channel: plan.channel, user_id: plan.userId } : null;
  }
  return connectionsOfUser.length === 0 ? { name: 'member_removed', channel: plan.channel, user_id: plan.userId } : null;
}

export interface SignedWebhook {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function signedWebhook(app: PusherApp, timeMs: number, events: readonly PusherWebhookEvent[]): SignedWebhook {
  const body = JSON.stringify({ time_ms: timeMs, events });
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-pusher-key': app.key, 'x-pusher-signature': pusherHmac(app.secret, body) },
  };
}
