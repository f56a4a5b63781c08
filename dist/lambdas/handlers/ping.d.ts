import { type BaseDependencies } from '../composition/dependencies.js';
import type { GatewayRequestContext } from './api-gateway-event.js';
export interface PingDependencies extends BaseDependencies {
    readonly endpointFor: (context: GatewayRequestContext) => string;
}
/** Answers from memory: no table, no Management API, so it needs no IAM permission. */
export declare const createPingHandler: (deps: () => PingDependencies) => import("./api-gateway-event.js").GatewayHandler;
export declare const handler: import("./api-gateway-event.js").GatewayHandler;
