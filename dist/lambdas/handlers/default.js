/**
 * `$default`: every Phoenix V2 array frame (they carry no `action`) and every frame no
 * other route matched. Runs whichever use case the decoded frame asks for.
 */
import { once } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { heartbeat } from '../core/use-cases/heartbeat.js';
import { joinTopic } from '../core/use-cases/join-topic.js';
import { leaveTopic } from '../core/use-cases/leave-topic.js';
import { pushEvent } from '../core/use-cases/push-event.js';
import { createMessageHandler } from './message-handler.js';
export function runAnyCommand(deps, requester, command) {
    switch (command.kind) {
        case 'join':
            return joinTopic(deps, requester, command);
        case 'leave':
            return leaveTopic(deps, requester, command);
        case 'push':
            return pushEvent(deps, requester, command);
        case 'heartbeat':
            return Promise.resolve(heartbeat(command));
    }
}
export const createDefaultHandler = (deps) => createMessageHandler(deps, runAnyCommand);
export const handler = createDefaultHandler(once(() => messagingDependenciesFromEnvironment(), IN_LAMBDA));
