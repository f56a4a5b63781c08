/** POSTs webhooks with Node's fetch, giving up after a timeout (a hung receiver must not hold the invocation). */
import type { WebhookSender } from '../../core/use-cases/pusher-webhook.js';

export class FetchWebhookSender implements WebhookSender {
  public constructor(private readonly timeoutMs: number) {}

  public async post(url: string, webhook: { body: string; headers: Readonly<Record<string, string>> }): Promise<number> {
    const response = await fetch(url, { method: 'POST', headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(this.timeoutMs) });
    // The body is not needed, but must be consumed for the connection to be reused.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  }
}
