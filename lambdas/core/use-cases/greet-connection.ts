/**
 * Posts a new connection's first frames (a Pusher client's `connection_established`) once
 * API Gateway accepts posts to it. Until its handshake is complete a post answers 410, the
 * same answer a connection that is really gone gets, so 410 is retried with a short back-off
 * until the greeting's `notAfterMs`; after that the client is taken to have left (its
 * `$disconnect` cleans up). Any other failure is logged, never thrown: the worker that runs
 * this has no retries, and a client that never hears back reconnects by itself.
 */
import type { Greeting } from '../pusher/greeting.js';
import type { DeliveryOutcome, Logger, MessageSender } from '../ports.js';

export interface GreetConnectionDependencies {
  readonly sender: MessageSender;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 200;

export interface GreetingReport {
  readonly outcome: DeliveryOutcome;
  /** Posts answered 410 before the connection was open. */
  readonly early: number;
}

export async function greetConnection(deps: GreetConnectionDependencies, greeting: Greeting): Promise<GreetingReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let early = 0;
  for (const data of greeting.frames) {
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      const result = await deps.sender.send({ endpoint: greeting.endpoint, connectionId: greeting.connectionId, data });
      if (result.outcome === 'delivered') break;
      if (result.outcome === 'gone' && now() + wait < greeting.notAfterMs) {
        early += 1;
        await sleep(wait);
        continue;
      }
      if (result.outcome !== 'gone') deps.logger.warn('greeting not delivered', { connectionId: greeting.connectionId, status: result.status, reason: result.reason ?? null });
      return { outcome: result.outcome, early };
    }
  }
  return { outcome: 'delivered', early };
}
