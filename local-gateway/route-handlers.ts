/** The real handler modules, built around the local gateway's dependencies. */
import type { MessagingDependencies } from '../lambdas/composition/dependencies.js';
import type { FanoutBatch, GreetingEvent } from '../lambdas/core/ports.js';
import type { GreetingReport } from '../lambdas/core/use-cases/greet-connection.js';
import type { DeliveryReport } from '../lambdas/core/use-cases/deliver.js';
import type { GatewayHandler, LambdaContextLike } from '../lambdas/handlers/api-gateway-event.js';
import { createConnectHandler } from '../lambdas/handlers/connect.js';
import { createDefaultHandler } from '../lambdas/handlers/default.js';
import { createDisconnectHandler } from '../lambdas/handlers/disconnect.js';
import { createFanoutWorkerHandler, createGreetingHandler } from '../lambdas/handlers/fanout-worker.js';
import { createJoinHandler } from '../lambdas/handlers/join.js';
import { createLeaveHandler } from '../lambdas/handlers/leave.js';
import { createPingHandler } from '../lambdas/handlers/ping.js';
import { createPushHandler } from '../lambdas/handlers/push.js';

export interface RouteHandlers {
  readonly $connect: GatewayHandler;
  readonly $disconnect: GatewayHandler;
  readonly join: GatewayHandler;
  readonly leave: GatewayHandler;
  readonly push: GatewayHandler;
  readonly ping: GatewayHandler;
  readonly $default: GatewayHandler;
  readonly fanoutWorker: (batch: FanoutBatch, context?: LambdaContextLike) => Promise<DeliveryReport>;
  /** The same worker function's greeting job (a Pusher client's `connection_established`). */
  readonly greeting: (event: GreetingEvent) => Promise<GreetingReport>;
}

export function buildRouteHandlers(deps: MessagingDependencies): RouteHandlers {
  const get = () => deps;
  return {
    $connect: createConnectHandler(get),
    $disconnect: createDisconnectHandler(get),
    join: createJoinHandler(get),
    leave: createLeaveHandler(get),
    push: createPushHandler(get),
    ping: createPingHandler(get),
    $default: createDefaultHandler(get),
    fanoutWorker: createFanoutWorkerHandler(get),
    greeting: createGreetingHandler(get),
  };
}
