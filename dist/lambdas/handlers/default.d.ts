/**
 * `$default`: every Phoenix V2 array frame (they carry no `action`) and every frame no
 * other route matched. Runs whichever use case the decoded frame asks for.
 */
import { type MessagingDependencies } from '../composition/dependencies.js';
import type { Command, OutboundMessage } from '../core/protocol/messages.js';
import type { Requester } from '../core/use-cases/requester.js';
export declare function runAnyCommand(deps: MessagingDependencies, requester: Requester, command: Command): Promise<OutboundMessage[]>;
export declare const createDefaultHandler: (deps: () => MessagingDependencies) => import("./api-gateway-event.js").GatewayHandler;
export declare const handler: import("./api-gateway-event.js").GatewayHandler;
