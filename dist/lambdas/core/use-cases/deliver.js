import { mapWithConcurrency } from '../concurrency.js';
import { encodeMessage } from '../protocol/codec.js';
export async function deliverToSubscribers(sender, settings, subscribers, message, options = {}) {
    const encode = createEncoder(message, options.withSubscriberJoinRef === true);
    const outcomes = await mapWithConcurrency(subscribers, settings.concurrency, async (subscriber) => {
        try {
            return await sender.send({ endpoint: subscriber.endpoint, connectionId: subscriber.connectionId, data: encode(subscriber) });
        }
        catch {
            return 'failed';
        }
    });
    let delivered = 0;
    let failed = 0;
    const gone = [];
    outcomes.forEach((outcome, index) => {
        if (outcome === 'delivered')
            delivered += 1;
        else if (outcome === 'failed')
            failed += 1;
        else
            gone.push(subscribers[index].connectionId);
    });
    return { delivered, failed, gone };
}
/** Encodes once per format (and per join_ref only when the message needs it). */
function createEncoder(message, withSubscriberJoinRef) {
    const native = encodeMessage(message, 'native');
    const phoenix = encodeMessage(message, 'phoenix');
    return (subscriber) => {
        if (subscriber.format === 'native')
            return native;
        if (!withSubscriberJoinRef || subscriber.joinRef === null)
            return phoenix;
        return encodeMessage({ ...message, joinRef: subscriber.joinRef }, 'phoenix');
    };
}
