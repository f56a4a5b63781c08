import { once } from '../composition/dependencies.js';
import { connectDependenciesFromEnvironment } from '../composition/environment/connect.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { ConnectRefusedError } from '../core/errors.js';
import { connectClient } from '../core/use-cases/connect-client.js';
import { lowerCaseHeaders } from './api-gateway-event.js';
/**
 * `$connect`: a non-2xx status fails the WebSocket handshake with that status, which is
 * how API Gateway refuses a client (401 no or bad token, 403 foreign origin).
 */
export const createConnectHandler = (dependencies) => async (event) => {
    const deps = dependencies();
    const { requestContext } = event;
    try {
        const result = await connectClient(deps, {
            connectionId: requestContext.connectionId,
            endpoint: deps.endpointFor(requestContext),
            headers: lowerCaseHeaders(event.headers),
            query: event.queryStringParameters ?? {},
        });
        deps.logger.info('connected', { connectionId: requestContext.connectionId, sub: result.identity?.sub ?? null });
        // API Gateway fails the handshake unless a requested subprotocol is echoed back.
        return result.subprotocol ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': result.subprotocol } } : { statusCode: 200 };
    }
    catch (error) {
        if (error instanceof ConnectRefusedError) {
            deps.logger.info('connect refused', { connectionId: requestContext.connectionId, status: error.statusCode, reason: error.message });
            return { statusCode: error.statusCode, body: error.message };
        }
        deps.logger.error('connect failed', { connectionId: requestContext.connectionId, error: String(error) });
        return { statusCode: 500, body: 'internal error' };
    }
};
export const handler = createConnectHandler(once(() => connectDependenciesFromEnvironment(), IN_LAMBDA));
