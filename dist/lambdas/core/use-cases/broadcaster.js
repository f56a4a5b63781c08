import { chunk } from '../concurrency.js';
import { diffOf } from '../presence.js';
import { PRESENCE_EVENTS } from '../protocol/constants.js';
import { presenceEnabledFor, shardCountFor } from '../topic-settings.js';
import { deliverToSubscribers } from './deliver.js';
// Cleanup broadcasts leave diffs, which may find more stale connections; stop somewhere.
const MAX_REAP_DEPTH = 3;
export class Broadcaster {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    async broadcast(topic, message, options = {}) {
        return this.broadcastAt(topic, message, options, 0);
    }
    /** Delivers one batch (a fan-out worker's share) and reaps the connections found gone. */
    async deliverBatch(subscribers, message, withSubscriberJoinRef) {
        const report = await deliverToSubscribers(this.deps.sender, this.deps.config.fanout, subscribers, message, { withSubscriberJoinRef });
        await this.reap(report.gone);
        return report;
    }
    /**
     * Removes connections whose sockets are gone and tells their topics they left.
     * `excludeConnectionId` keeps the leave from a connection that never saw the stale one.
     */
    async reap(connectionIds, depth = 0, excludeConnectionId = null) {
        if (connectionIds.length === 0)
            return;
        const { store, config } = this.deps;
        // One batched removal: the deletes of every gone connection share BatchWriteItem calls.
        const removed = await store.removeConnections(connectionIds, (topic) => shardCountFor(topic, config));
        await this.announceLeaves(removed, depth + 1, excludeConnectionId);
    }
    /** Sends `presence_diff` leaves for removed subscriptions, grouped per topic. */
    async announceLeaves(subscriptions, depth = 0, excludeConnectionId = null) {
        const leavesByTopic = new Map();
        for (const { topic, presenceKey, meta } of subscriptions) {
            if (presenceKey === null || meta === null || !presenceEnabledFor(topic, this.deps.config))
                continue;
            const leaves = leavesByTopic.get(topic) ?? [];
            leaves.push({ key: presenceKey, meta });
            leavesByTopic.set(topic, leaves);
        }
        await Promise.all([...leavesByTopic].map(([topic, leaves]) => this.broadcastAt(topic, presenceDiffMessage(topic, diffOf([], leaves)), { withSubscriberJoinRef: true, excludeConnectionId }, depth)));
    }
    async broadcastAt(topic, message, options, depth) {
        const { config, dispatcher, logger } = this.deps;
        const all = options.subscribers ?? (await this.readSubscribers(topic));
        const recipients = options.excludeConnectionId ? all.filter((s) => s.connectionId !== options.excludeConnectionId) : all;
        const withSubscriberJoinRef = options.withSubscriberJoinRef === true;
        if (dispatcher && recipients.length > config.fanout.workerThreshold) {
            const batches = chunk(recipients, config.fanout.workerBatchSize).map((subscribers) => ({
                topic,
                message,
                subscribers,
                withSubscriberJoinRef,
            }));
            await dispatcher.dispatch(batches);
            return { subscribers: recipients.length, delivered: 0, failed: 0, gone: [], dispatchedBatches: batches.length };
        }
        const report = await deliverToSubscribers(this.deps.sender, config.fanout, recipients, message, { withSubscriberJoinRef });
        if (report.failed > 0)
            logger.warn('some deliveries failed', { topic, failed: report.failed });
        if (report.gone.length > 0 && depth < MAX_REAP_DEPTH && options.deferReap !== true) {
            await this.reap(report.gone, depth);
        }
        return { ...report, subscribers: recipients.length, dispatchedBatches: 0 };
    }
    async readSubscribers(topic) {
        const subscribers = [];
        for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'fanout')) {
            subscribers.push(...page);
        }
        return subscribers;
    }
}
export function presenceDiffMessage(topic, diff) {
    return { topic, event: PRESENCE_EVENTS.diff, payload: diff, ref: null, joinRef: null };
}
