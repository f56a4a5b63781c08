/**
 * `$default`: every Phoenix V2 array frame and Pusher frame (they carry no `action`) and
 * every frame no other route matched. Runs whichever use case the decoded frame asks for.
 */
import { lambdaEntry } from '../composition/observability.js';
import { once, type MessagingDependencies } from '../composition/dependencies.js';
import { messagingDependenciesFromEnvironment } from '../composition/environment/messaging.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { pusherAppFromEnvironment } from '../composition/environment/pusher.js';
import type { Command, OutboundMessage } from '../core/protocol/messages.js';
import { preparePusherCommand } from '../core/pusher/prepare-command.js';
import { heartbeat } from '../core/use-cases/heartbeat.js';
import { joinTopic } from '../core/use-cases/join-topic.js';
import { leaveTopic } from '../core/use-cases/leave-topic.js';
import { pushEvent } from '../core/use-cases/push-event.js';
import type { Requester } from '../core/use-cases/requester.js';
import { createMessageHandler } from './message-handler.js';

export async function runAnyCommand(deps: MessagingDependencies, requester: Requester, received: Command): Promise<OutboundMessage[]> {
  // A Pusher frame's command is checked first (its subscribe's auth), then runs as any other.
  const command = await preparePusherCommand(deps, requester.connectionId, received);
  switch (command.kind) {
    case 'join':
      return joinTopic(deps, requester, command);
    case 'leave':
      return leaveTopic(deps, requester, command);
    case 'push':
      return pushEvent(deps, requester, command);
    case 'heartbeat':
      return heartbeat(command);
  }
}

export const createDefaultHandler = (deps: () => MessagingDependencies) => createMessageHandler(deps, runAnyCommand);

// Only `$default` receives Pusher frames, so only it reads the Pusher app (and bundles Secrets Manager).
export const handler = lambdaEntry('$default', createDefaultHandler(once(() => ({ ...messagingDependenciesFromEnvironment(), pusherApp: pusherAppFromEnvironment() ?? undefined }), IN_LAMBDA)));
