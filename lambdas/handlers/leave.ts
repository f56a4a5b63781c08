import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { leaveTopic } from '../core/use-cases/leave-topic.js';
import { createMessageHandler, only } from './message-handler.js';

export const createLeaveHandler = (deps: () => MessagingDependencies) => createMessageHandler(deps, only('leave', leaveTopic));

export const handler = lambdaEntry('leave', createLeaveHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA)));
