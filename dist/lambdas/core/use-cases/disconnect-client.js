import { shardCountFor } from '../topic-settings.js';
/** Removes the connection with one Query plus batched deletes, then announces its leaves. */
export async function disconnectClient(deps, connectionId) {
    const removed = await deps.store.removeConnection(connectionId, (topic) => shardCountFor(topic, deps.config));
    await deps.broadcaster.announceLeaves(removed);
    return removed.length;
}
