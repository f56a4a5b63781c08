import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { disconnectClient } from '../core/use-cases/disconnect-client.js';
import type { GatewayEvent, GatewayHandler, GatewayResponse } from './api-gateway-event.js';

/** `$disconnect` is best effort in API Gateway; whatever it misses, TTL and 410 cleanup catch. */
export const createDisconnectHandler = (dependencies: () => MessagingDependencies): GatewayHandler =>
  async (event: GatewayEvent): Promise<GatewayResponse> => {
    const deps = dependencies();
    const { connectionId } = event.requestContext;
    try {
      const topics = await disconnectClient(deps, connectionId, event.requestContext.disconnectStatusCode ?? null);
      deps.metrics.record('connectionsClosed', 1);
      deps.logger.info('disconnected', { connectionId, topics, status: event.requestContext.disconnectStatusCode ?? null });
    } catch (error) {
      deps.logger.error('disconnect cleanup failed', { connectionId, error });
    }
    return { statusCode: 200 };
  };

export const handler = lambdaEntry('$disconnect', createDisconnectHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA)));
