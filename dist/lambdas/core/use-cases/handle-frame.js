import { ProtocolError } from '../errors.js';
import { decodeFrame } from '../protocol/codec.js';
import { REASONS } from '../protocol/constants.js';
import { errorReply } from '../protocol/messages.js';
export async function handleFrame(deps, requester, body, run) {
    const decoded = decodeFrame(body, deps.config.limits);
    if (!decoded.ok)
        return { format: decoded.context.format, messages: [errorReply(decoded.context, decoded.error.reason, decoded.error.message)] };
    const { command } = decoded;
    try {
        return { format: command.format, messages: await run(requester, command) };
    }
    catch (error) {
        return { format: command.format, messages: [replyForError(command, error, deps.logger, requester)] };
    }
}
function replyForError(context, error, logger, requester) {
    if (error instanceof ProtocolError)
        return errorReply(context, error.reason, error.message);
    logger.error('command failed', { connectionId: requester.connectionId, topic: context.topic, error: describe(error) });
    return errorReply(context, REASONS.internalError, 'the server could not handle this request; try again');
}
function describe(error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
