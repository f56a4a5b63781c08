import { once } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { disconnectClient } from '../core/use-cases/disconnect-client.js';
/** `$disconnect` is best effort in API Gateway; whatever it misses, TTL and 410 cleanup catch. */
export const createDisconnectHandler = (dependencies) => async (event) => {
    const deps = dependencies();
    const { connectionId } = event.requestContext;
    try {
        const topics = await disconnectClient(deps, connectionId);
        deps.logger.info('disconnected', { connectionId, topics, status: event.requestContext.disconnectStatusCode ?? null });
    }
    catch (error) {
        deps.logger.error('disconnect cleanup failed', { connectionId, error: String(error) });
    }
    return { statusCode: 200 };
};
export const handler = createDisconnectHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA));
