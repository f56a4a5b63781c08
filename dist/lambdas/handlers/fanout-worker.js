import { once } from '../composition/dependencies.js';
import { fanoutWorkerDependenciesFromEnvironment } from '../composition/environment/fanout-worker.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
/** Delivers one batch of a big topic's fan-out, invoked asynchronously by the pusher. */
export const createFanoutWorkerHandler = (dependencies) => async (batch) => {
    const deps = dependencies();
    const report = await deps.broadcaster.deliverBatch(batch.subscribers, batch.message, batch.withSubscriberJoinRef);
    deps.logger.info('fan-out batch delivered', { topic: batch.topic, subscribers: batch.subscribers.length, delivered: report.delivered, gone: report.gone.length, failed: report.failed });
    return report;
};
export const handler = createFanoutWorkerHandler(once(() => fanoutWorkerDependenciesFromEnvironment(), IN_LAMBDA));
