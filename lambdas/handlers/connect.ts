import { lambdaEntry } from '../composition/observability.js';
import { once, type ConnectDependencies } from '../composition/dependencies.js';
import { connectDependenciesFromEnvironment } from '../composition/environment/connect.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { ConnectRefusedError } from '../core/errors.js';
import { connectClient } from '../core/use-cases/connect-client.js';
import { lowerCaseHeaders, type GatewayEvent, type GatewayHandler, type GatewayResponse } from './api-gateway-event.js';

/**
 * `$connect`: a non-2xx status fails the WebSocket handshake with that status, which is
 * how API Gateway refuses a client (401 no or bad token, 403 foreign origin).
 */
export const createConnectHandler = (dependencies: () => ConnectDependencies): GatewayHandler =>
  async (event: GatewayEvent): Promise<GatewayResponse> => {
    const deps = dependencies();
    const { requestContext } = event;
    try {
      const result = await connectClient(deps, {
        connectionId: requestContext.connectionId,
        endpoint: deps.endpointFor(requestContext),
        headers: lowerCaseHeaders(event.headers),
        query: event.queryStringParameters ?? {},
      });
      deps.metrics.record('connectionsOpened', 1);
      deps.logger.info('connected', { connectionId: requestContext.connectionId, sub: result.identity?.sub ?? null });
      // API Gateway fails the handshake unless a requested subprotocol is echoed back.
      return result.subprotocol ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': result.subprotocol } } : { statusCode: 200 };
    } catch (error) {
      if (error instanceof ConnectRefusedError) {
        deps.metrics.record('refusals', 1, { reason: error.statusCode === 401 ? 'connect_unauthorized' : 'connect_forbidden' });
        deps.logger.info('connect refused', { connectionId: requestContext.connectionId, status: error.statusCode, reason: error.message });
        return { statusCode: error.statusCode, body: error.message };
      }
      deps.logger.error('connect failed', { connectionId: requestContext.connectionId, error });
      return { statusCode: 500, body: 'internal error' };
    }
  };

export const handler = lambdaEntry('$connect', createConnectHandler(once(() => connectDependenciesFromEnvironment(), IN_LAMBDA)));
