import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { joinTopic } from '../core/use-cases/join-topic.js';
import { createMessageHandler, only } from './message-handler.js';

export const createJoinHandler = (deps: () => MessagingDependencies) => createMessageHandler(deps, only('join', joinTopic));

export const handler = lambdaEntry('join', createJoinHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA)));
