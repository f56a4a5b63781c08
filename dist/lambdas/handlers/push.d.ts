import { type MessagingDependencies } from '../composition/dependencies.js';
export declare const createPushHandler: (deps: () => MessagingDependencies) => import("./api-gateway-event.js").GatewayHandler;
export declare const handler: import("./api-gateway-event.js").GatewayHandler;
