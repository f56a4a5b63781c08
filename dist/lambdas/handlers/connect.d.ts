import { type ConnectDependencies } from '../composition/dependencies.js';
import { type GatewayHandler } from './api-gateway-event.js';
/**
 * `$connect`: a non-2xx status fails the WebSocket handshake with that status, which is
 * how API Gateway refuses a client (401 no or bad token, 403 foreign origin).
 */
export declare const createConnectHandler: (dependencies: () => ConnectDependencies) => GatewayHandler;
export declare const handler: GatewayHandler;
