import { okReply } from '../protocol/messages.js';
/** Native `ping` and Phoenix `heartbeat`: a reply and nothing else, no storage touched. */
export function heartbeat(command) {
    return [okReply(command)];
}
