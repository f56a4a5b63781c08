import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { fanoutWorkerDependenciesFromEnvironment } from '../composition/environment/fanout-worker.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import type { FanoutBatch, GreetingEvent, WorkerEvent } from '../core/ports.js';
import { greetConnection, type GreetingReport } from '../core/use-cases/greet-connection.js';
import type { BatchReport } from '../core/use-cases/broadcaster.js';
import type { LambdaContextLike } from './api-gateway-event.js';

/**
 * Posts a new Pusher connection's greeting (`$connect` cannot), or delivers one batch of a big topic's fan-out, invoked asynchronously by the pusher, within
 * its own remaining time. Failures are logged and counted, never thrown: the worker runs
 * with zero async retries, and a retried batch would duplicate every delivery it made.
 */
export const createFanoutWorkerHandler = (dependencies: () => MessagingDependencies) =>
  async (batch: FanoutBatch, context?: LambdaContextLike): Promise<BatchReport> => {
    const deps = dependencies();
    const deadlineMs = context ? Date.now() + context.getRemainingTimeInMillis() : undefined;
    const report = await deps.broadcaster.deliverBatch(batch.subscribers, batch.message, batch.withSubscriberJoinRef, deadlineMs, batch.presenceRows);
    deps.logger.info('fan-out batch delivered', {
      topic: batch.topic,
      subscribers: batch.subscribers.length,
      delivered: report.delivered,
      gone: report.gone.length,
      failed: report.failed,
      retried: report.retried,
      dropped: report.dropped,
      reapFailed: report.reapFailed,
    });
    return report;
  };

/** Posts a new connection's greeting; never throws (a lost greeting makes the client reconnect). */
export const createGreetingHandler = (dependencies: () => Pick<MessagingDependencies, 'sender' | 'logger'>) =>
  async ({ greeting }: GreetingEvent): Promise<GreetingReport> => {
    const deps = dependencies();
    const report = await greetConnection(deps, greeting);
    deps.logger.info('greeting posted', { connectionId: greeting.connectionId, outcome: report.outcome, early: report.early });
    return report;
  };

/** The worker's two jobs, told apart by the event's shape. */
export const createWorkerHandler = (dependencies: () => MessagingDependencies) => {
  const batches = createFanoutWorkerHandler(dependencies);
  const greetings = createGreetingHandler(dependencies);
  return (event: WorkerEvent, context?: LambdaContextLike): Promise<BatchReport | GreetingReport> => ('greeting' in event ? greetings(event) : batches(event, context));
};

export const handler = lambdaEntry('fanout-worker', createWorkerHandler(once(() => fanoutWorkerDependenciesFromEnvironment(), IN_LAMBDA)));
