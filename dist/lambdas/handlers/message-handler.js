import { ProtocolError } from '../core/errors.js';
import { encodeMessage } from '../core/protocol/codec.js';
import { REASONS } from '../core/protocol/constants.js';
import { handleFrame } from '../core/use-cases/handle-frame.js';
import { bodyText } from './api-gateway-event.js';
export function createMessageHandler(dependencies, run) {
    return async (event) => {
        const deps = dependencies();
        const requester = { connectionId: event.requestContext.connectionId, endpoint: deps.endpointFor(event.requestContext) };
        const outcome = await handleFrame(deps, requester, bodyText(event), (who, command) => run(deps, who, command));
        return respond(deps.sender, requester, outcome);
    };
}
async function respond(sender, requester, outcome) {
    const frames = outcome.messages.map((message) => encodeMessage(message, outcome.format));
    if (frames.length === 1)
        return { statusCode: 200, body: frames[0] };
    // Only routes built without a sender (ping) reach here with one frame; anything else is a wiring bug.
    if (!sender)
        throw new Error(`${frames.length} frames to send but this route has no Management API sender`);
    for (const data of frames)
        await sender.send({ endpoint: requester.endpoint, connectionId: requester.connectionId, data });
    return { statusCode: 200 };
}
/** A route that serves one command kind; API Gateway routing makes a mismatch impossible. */
export function only(kind, run) {
    return async (deps, requester, command) => {
        if (command.kind !== kind)
            throw new ProtocolError(REASONS.unknownAction, `this route handles ${kind} only`);
        return run(deps, requester, command);
    };
}
