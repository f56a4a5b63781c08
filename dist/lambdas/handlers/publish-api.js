import { ProtocolError } from '../core/errors.js';
import { REASONS } from '../core/protocol/constants.js';
import { parseJsonObject } from '../core/publish-request.js';
/** Largest body read: a Lambda Function URL refuses requests over 6 MB; 25 messages of 128 KB fit. */
export const MAX_PUBLISH_BODY_BYTES = 6 * 1024 * 1024;
const OPERATIONS = {
    '/publish': async (operations, body) => {
        if (body.messages === undefined)
            return { results: [await operations.publish(body.topic, body.event, body.payload)] };
        if (!Array.isArray(body.messages))
            throw new ProtocolError(REASONS.invalidRequest, '"messages" must be an array of messages');
        if (body.topic !== undefined || body.event !== undefined)
            throw new ProtocolError(REASONS.invalidRequest, 'send either one message or "messages", not both');
        return { results: await operations.publishBatch(body.messages) };
    },
    '/presence': async (operations, body) => ({ topic: body.topic, presence: await operations.presence(body.topic) }),
    '/occupancy': (operations, body) => operations.occupancy(body.topic),
    '/disconnect': (operations, body) => {
        if ((body.connectionId === undefined) === (body.user === undefined)) {
            throw new ProtocolError(REASONS.invalidRequest, 'send either "connectionId" or "user"');
        }
        return body.user !== undefined ? operations.disconnectUser(body.user) : operations.disconnect(body.connectionId);
    },
};
export async function servePublishApi(deps, request) {
    const operation = OPERATIONS[request.path.replace(/\/+$/, '')];
    if (!operation)
        return refusal(404, 'not_found', `no such path ${request.path}; try POST /publish`);
    if (request.method !== 'POST')
        return refusal(405, 'method_not_allowed', `${request.path} takes POST with a JSON body`);
    try {
        return { status: 200, body: await operation(deps.operations, parseJsonObject(request.body, deps.limits)) };
    }
    catch (error) {
        if (error instanceof ProtocolError)
            return refusal(400, error.reason, error.message);
        deps.logger.error('publish api request failed', { path: request.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        return refusal(500, REASONS.internalError, 'the request could not be completed; some messages may have been delivered');
    }
}
function refusal(status, reason, message) {
    return { status, body: { reason, message } };
}
