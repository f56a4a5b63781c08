export async function publish(deps, broadcast, options = {}) {
    const message = { topic: broadcast.topic, event: broadcast.event, payload: broadcast.payload, ref: null, joinRef: null };
    const report = await deps.broadcaster.broadcast(broadcast.topic, message, { excludeConnectionId: options.excludeConnectionId ?? null });
    return {
        topic: broadcast.topic,
        delivered: report.delivered,
        gone: report.gone.length,
        failed: report.failed,
        queued: report.dispatchedBatches > 0 ? report.subscribers : 0,
    };
}
/**
 * Publishes several broadcasts; results come back in the order given. Broadcasts to one
 * topic go out one after the other, so its subscribers see them in that order; different
 * topics go out in parallel.
 */
export async function publishAll(deps, broadcasts) {
    const results = new Array(broadcasts.length);
    const byTopic = new Map();
    broadcasts.forEach(({ topic }, index) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), index]));
    await Promise.all([...byTopic.values()].map(async (indexes) => {
        for (const index of indexes)
            results[index] = await publish(deps, broadcasts[index]);
    }));
    return results;
}
