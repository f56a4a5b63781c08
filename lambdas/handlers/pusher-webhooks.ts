/**
 * The webhook function: an EventBridge rule on the lifecycle bus invokes it (asynchronously)
 * with one `occupied`, `vacated`, `joined` or `left` event; it POSTs the Pusher webhook that
 * event makes, if any. A refused or unanswered webhook throws: Lambda retries the event
 * (the function's async invoke settings), then hands it to the dead-letter queue.
 */
import { once } from '../composition/dependencies.js';
import { serverOperations, serverSettingsFromEnvironment } from '../composition/environment/server.js';
import { pusherAppFromEnvironment } from '../composition/environment/pusher.js';
import { IN_LAMBDA, type Environment } from '../composition/environment/shared.js';
import { lambdaEntry, lambdaObservability } from '../composition/observability.js';
import { FetchWebhookSender } from '../adapters/pusher/fetch-webhook-sender.js';
import type { Logger } from '../core/ports.js';
import { PUSHER_WEBHOOK_URL_ENV } from '../core/pusher/webhooks.js';
import { deliverPusherWebhook, type PusherWebhookDependencies } from '../core/use-cases/pusher-webhook.js';

/** The URL webhooks are POSTed to. */
export const WEBHOOK_URL_ENV = PUSHER_WEBHOOK_URL_ENV;
/** How long one POST may take before it counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** An EventBridge event as a rule's Lambda target receives it. */
export interface EventBridgeEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
  readonly time?: string;
}

export const createPusherWebhookHandler = (dependencies: () => PusherWebhookDependencies & { readonly logger: Logger }) =>
  async (event: EventBridgeEvent): Promise<{ readonly sent: string | null }> => {
    const deps = dependencies();
    const timeMs = event.time ? Date.parse(event.time) : Number.NaN;
    const sent = await deliverPusherWebhook(deps, { detailType: event['detail-type'], detail: event.detail ?? {}, timeMs: Number.isFinite(timeMs) ? timeMs : Date.now() });
    if (sent) deps.logger.info('webhook sent', { name: sent.name, channel: sent.channel });
    return { sent: sent?.name ?? null };
  };

/** The dependencies from the environment (the same settings as the HTTP API function). */
export function webhookDependenciesFromEnvironment(env: Environment = process.env): PusherWebhookDependencies & { readonly logger: Logger } {
  const url = env[WEBHOOK_URL_ENV];
  if (!url) throw new Error(`${WEBHOOK_URL_ENV} is not set: the construct's pusher.webhooks.url sets it`);
  const app = pusherAppFromEnvironment(env);
  if (!app) throw new Error('TOPICAST_PUSHER_APP_ID and TOPICAST_PUSHER_KEY are not set');
  const { logger, metrics } = lambdaObservability();
  const operations = serverOperations({ ...serverSettingsFromEnvironment(env), logger, metrics }, env);
  return { app, url, sender: new FetchWebhookSender(WEBHOOK_TIMEOUT_MS), connectionsOfMember: (topic, key) => operations.connectionsOfMember(topic, key), logger };
}

export const handler = lambdaEntry('pusher-webhooks', createPusherWebhookHandler(once(() => webhookDependenciesFromEnvironment(), IN_LAMBDA)));
