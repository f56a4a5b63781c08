import { ProtocolError } from '../errors.js';
import { stateOf } from '../presence.js';
import { REASONS } from '../protocol/constants.js';
import { validateBroadcast, validateBroadcasts } from '../publish-request.js';
import { shardCountFor } from '../topic-settings.js';
import { assertValidTopic } from '../topics.js';
import { presenceEntryOf } from './join-topic.js';
import { publish, publishAll } from './publish.js';
// API Gateway connection ids are short base64 strings; anything with a slash would change the Management API path.
const MAX_ID_LENGTH = 128;
const MAX_SUB_LENGTH = 255;
export class ServerOperations {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    /** Sends `event` with `payload` to every subscriber of `topic`. */
    async publish(topic, event, payload = {}) {
        return publish(this.deps, validateBroadcast({ topic, event, payload }));
    }
    /** Up to 25 messages, all validated before any is sent; results in the order given. */
    async publishBatch(messages) {
        if (!Array.isArray(messages))
            throw new ProtocolError(REASONS.invalidRequest, 'messages must be an array');
        return publishAll(this.deps, validateBroadcasts(messages));
    }
    /** Closes one connection (API Gateway runs its `$disconnect`, which announces its leaves). */
    async disconnect(connectionId) {
        assertIdentifier(connectionId, 'connectionId', MAX_ID_LENGTH);
        if (connectionId.includes('/'))
            throw new ProtocolError(REASONS.invalidRequest, 'connectionId must not contain "/"');
        const { connection } = await this.deps.store.getConnectionState(connectionId);
        if (!connection)
            return { closed: 0, gone: 1 };
        const outcome = await this.deps.closer.close(connection.endpoint, connectionId);
        if (outcome === 'closed')
            return { closed: 1, gone: 0 };
        await this.deps.broadcaster.reap([connectionId]);
        return { closed: 0, gone: 1 };
    }
    /** Closes every connection opened with a token whose `sub` is `sub`. */
    async disconnectUser(sub) {
        assertIdentifier(sub, 'sub', MAX_SUB_LENGTH);
        const connections = await this.deps.users.list(sub);
        const outcomes = await Promise.all(connections.map(({ endpoint, connectionId }) => this.deps.closer.close(endpoint, connectionId)));
        const gone = connections.filter((_, index) => outcomes[index] === 'gone').map(({ connectionId }) => connectionId);
        if (gone.length > 0) {
            // Reaping removes each connection with its lookup item; a lookup item that outlived
            // its connection item is removed directly.
            await this.deps.broadcaster.reap(gone);
            await this.deps.users.remove(sub, gone);
        }
        return { closed: connections.length - gone.length, gone: gone.length };
    }
    /** The topic's presence, in Phoenix's `presence_state` shape. */
    async presence(topic) {
        assertValidTopic(topic);
        return stateOf((await this.subscriptions(topic)).flatMap(presenceEntryOf));
    }
    async occupancy(topic) {
        assertValidTopic(topic);
        const subscriptions = await this.subscriptions(topic);
        const keys = new Set(subscriptions.flatMap(presenceEntryOf).map(({ key }) => key));
        return { topic, subscribers: subscriptions.length, presence: keys.size };
    }
    async subscriptions(topic) {
        const found = [];
        for await (const page of this.deps.store.listSubscribers(topic, shardCountFor(topic, this.deps.config), 'presence'))
            found.push(...page);
        return found;
    }
}
function assertIdentifier(value, name, maxLength) {
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
        throw new ProtocolError(REASONS.invalidRequest, `${name} must be a string of 1 to ${maxLength} characters`);
    }
}
