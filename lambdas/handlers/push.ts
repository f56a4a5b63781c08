import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { pushEvent } from '../core/use-cases/push-event.js';
import { createMessageHandler, only } from './message-handler.js';

export const createPushHandler = (deps: () => MessagingDependencies) => createMessageHandler(deps, only('push', pushEvent));

export const handler = lambdaEntry('push', createPushHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA)));
