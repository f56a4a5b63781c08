import { CHANNEL_EVENTS, REPLY_STATUS } from './constants.js';
export function okReply(context, response = {}) {
    return {
        topic: context.topic,
        event: CHANNEL_EVENTS.reply,
        ref: context.ref,
        joinRef: context.joinRef,
        payload: { status: REPLY_STATUS.ok, response },
    };
}
export function errorReply(context, reason, message) {
    return {
        topic: context.topic,
        event: CHANNEL_EVENTS.reply,
        ref: context.ref,
        joinRef: context.joinRef,
        payload: { status: REPLY_STATUS.error, response: { reason, message } },
    };
}
