import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { fanoutWorkerDependenciesFromEnvironment } from '../composition/environment/fanout-worker.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import type { FanoutBatch } from '../core/ports.js';
import type { BatchReport } from '../core/use-cases/broadcaster.js';
import type { LambdaContextLike } from './api-gateway-event.js';

/**
 * Delivers one batch of a big topic's fan-out, invoked asynchronously by the pusher, within
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

export const handler = lambdaEntry('fanout-worker', createFanoutWorkerHandler(once(() => fanoutWorkerDependenciesFromEnvironment(), IN_LAMBDA)));
