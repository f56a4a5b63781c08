/**
 * `topicast/server`: publish to topics, read presence and close connections from your
 * own backend (a Lambda, a container, a script), with the same delivery as client pushes:
 * each subscriber in its own wire format, big topics through the fan-out workers, gone
 * connections reaped.
 *
 *   import { publish } from 'topicast/server';
 *   await publish('user:alice', 'order_shipped', { orderId: 42 });
 *
 * Settings come from the environment `RealtimeApi.grantPublish(fn)` hands to a Lambda
 * (TOPICAST_TABLE_NAME, TOPICAST_CONFIG, TOPICAST_FANOUT_FUNCTION; AWS_REGION), or from
 * `new TopicastServer({ tableName, region, ... })`. Refusals throw `ProtocolError` with the
 * stable `reason` the HTTP route answers (`invalid_topic`, `payload_too_large`, ...).
 */
import { serverOperations, serverSettingsFromEnvironment } from '../lambdas/composition/environment/server.js';
export { ProtocolError } from '../lambdas/core/errors.js';
export { MAX_BROADCAST_BYTES, MAX_PUBLISH_BATCH } from '../lambdas/core/publish-request.js';
export { PUBLISH_ENV } from '../lambdas/composition/environment/server.js';
/** A publisher bound to one deployment. Create one per process and reuse it (it keeps its connections). */
export class TopicastServer {
    operations;
    /** @param settings explicit settings; by default read from the environment `grantPublish` sets */
    constructor(settings = serverSettingsFromEnvironment()) {
        this.operations = serverOperations(settings);
    }
    /** Sends `event` with `payload` to every subscriber of `topic` (`user:<sub>` reaches every tab of that user). */
    publish(topic, event, payload = {}) {
        return this.operations.publish(topic, event, payload);
    }
    /** Up to 25 messages, all validated before any is sent; one topic's messages arrive in order. */
    publishBatch(messages) {
        return this.operations.publishBatch(messages);
    }
    /** Closes one connection; its `$disconnect` then announces the presence leaves. */
    disconnect(connectionId) {
        return this.operations.disconnect(connectionId);
    }
    /** Closes every connection opened with a token whose `sub` is `sub`. */
    disconnectUser(sub) {
        return this.operations.disconnectUser(sub);
    }
    /** The topic's presence in Phoenix's `presence_state` shape. */
    presence(topic) {
        return this.operations.presence(topic);
    }
    /** How many connections and presence keys the topic has. */
    occupancy(topic) {
        return this.operations.occupancy(topic);
    }
}
let shared;
/** The process-wide publisher configured from the environment, built on first use. */
function server() {
    return (shared ??= new TopicastServer());
}
export const publish = (topic, event, payload = {}) => server().publish(topic, event, payload);
export const publishBatch = (messages) => server().publishBatch(messages);
export const disconnect = (connectionId) => server().disconnect(connectionId);
export const disconnectUser = (sub) => server().disconnectUser(sub);
export const presence = (topic) => server().presence(topic);
export const occupancy = (topic) => server().occupancy(topic);
