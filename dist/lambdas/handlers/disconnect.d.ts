import { type MessagingDependencies } from '../composition/dependencies.js';
import type { GatewayHandler } from './api-gateway-event.js';
/** `$disconnect` is best effort in API Gateway; whatever it misses, TTL and 410 cleanup catch. */
export declare const createDisconnectHandler: (dependencies: () => MessagingDependencies) => GatewayHandler;
export declare const handler: GatewayHandler;
