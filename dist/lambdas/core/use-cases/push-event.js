import { ProtocolError } from '../errors.js';
import { REASONS } from '../protocol/constants.js';
import { okReply } from '../protocol/messages.js';
import { publish } from './publish.js';
/** Broadcasts a client event to the topic's subscribers (the sender too unless `self: false`). */
export async function pushEvent(deps, requester, command) {
    const { store, config, clock } = deps;
    const windowSeconds = config.limits.rateLimitWindowSeconds;
    const nowSeconds = Math.floor(clock.nowMs() / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    // Both reads are independent: run them together to keep one round trip of latency.
    const [joined, pushesInWindow] = await Promise.all([
        store.isSubscribed(requester.connectionId, command.topic),
        store.countPush(requester.connectionId, windowStart, windowStart + windowSeconds * 2),
    ]);
    if (!joined)
        throw new ProtocolError(REASONS.notJoined, `join ${command.topic} before pushing to it`);
    if (pushesInWindow > config.limits.maxPushesPerWindow) {
        throw new ProtocolError(REASONS.rateLimited, `at most ${config.limits.maxPushesPerWindow} pushes per ${windowSeconds} s`);
    }
    await publish(deps, { topic: command.topic, event: command.event, payload: command.payload }, { excludeConnectionId: command.self ? null : requester.connectionId });
    return [okReply(command)];
}
