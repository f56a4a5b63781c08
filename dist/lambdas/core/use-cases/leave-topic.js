import { ProtocolError } from '../errors.js';
import { CHANNEL_EVENTS, REASONS } from '../protocol/constants.js';
import { okReply } from '../protocol/messages.js';
import { shardCountFor } from '../topic-settings.js';
/** Leaves a topic; Phoenix clients also get `phx_close`, as the channel process ends. */
export async function leaveTopic(deps, requester, command) {
    const removed = await deps.store.deleteSubscription(requester.connectionId, command.topic, shardCountFor(command.topic, deps.config));
    if (!removed)
        throw new ProtocolError(REASONS.notJoined, `not joined to ${command.topic}`);
    await deps.broadcaster.announceLeaves([removed]);
    const messages = [okReply(command)];
    if (command.format === 'phoenix') {
        messages.push({ topic: command.topic, event: CHANNEL_EVENTS.close, payload: {}, ref: command.joinRef, joinRef: command.joinRef });
    }
    return messages;
}
