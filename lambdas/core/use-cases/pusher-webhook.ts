/**
 * One lifecycle event in, at most one Pusher webhook out. A webhook the receiver does not
 * take (no answer, or a status other than 2xx) is an error, so the invocation fails and is
 * retried (Lambda's asynchronous retries deployed, the local emulation's alike), then
 * dead-lettered: never silently dropped.
 */
import type { PusherApp } from '../pusher/app.js';
import { memberEvent, planWebhook, signedWebhook, type LifecycleNotice, type PusherWebhookEvent, type SignedWebhook } from '../pusher/webhooks.js';

export interface WebhookSender {
  /** POSTs the webhook; answers the HTTP status, throws when no answer came. */
  post(url: string, webhook: SignedWebhook): Promise<number>;
}

export interface PusherWebhookDependencies {
  readonly app: () => Promise<PusherApp>;
  /** The connections a presence key holds on a topic now (ServerOperations.connectionsOfMember). */
  readonly connectionsOfMember: (topic: string, key: string) => Promise<readonly string[]>;
  readonly sender: WebhookSender;
  readonly url: string;
}

export class WebhookRefusedError extends Error {
  public override readonly name = 'WebhookRefusedError';
}

/** The webhook sent, or null when the event makes none (another connection of the user, a non-presence join...). */
export async function deliverPusherWebhook(deps: PusherWebhookDependencies, notice: LifecycleNotice): Promise<PusherWebhookEvent | null> {
  const plan = planWebhook(notice);
  if (plan.kind === 'none') return null;
  const event = plan.kind === 'send' ? plan.event : memberEvent(plan, await deps.connectionsOfMember(plan.channel, plan.userId));
  if (event === null) return null;
  const webhook = signedWebhook(await deps.app(), notice.timeMs, [event]);
  const status = await deps.sender.post(deps.url, webhook);
  if (status < 200 || status > 299) throw new WebhookRefusedError(`the webhook receiver answered ${status} to ${event.name} on ${event.channel}; it will be retried`);
  return event;
}
