import { once, type BaseDependencies } from '../composition/dependencies.js';
// settings.js, not shared.js: ping must not bundle the DynamoDB client.
import { configFromEnvironment, IN_LAMBDA } from '../composition/environment/settings.js';
import { lambdaEntry, lambdaObservability } from '../composition/observability.js';
import type { GatewayRequestContext } from './api-gateway-event.js';
import { heartbeat } from '../core/use-cases/heartbeat.js';
import { createMessageHandler, only } from './message-handler.js';

export interface PingDependencies extends BaseDependencies {
  readonly endpointFor: (context: GatewayRequestContext) => string;
}

/** Answers from memory: no table, no Management API, so it needs no IAM permission. */
export const createPingHandler = (deps: () => PingDependencies) => createMessageHandler(deps, only('heartbeat', async (_deps, _requester, command) => heartbeat(command)));

export const handler = lambdaEntry(
  'ping',
  createPingHandler(
    once(() => {
      const { logger, metrics } = lambdaObservability();
      return { config: configFromEnvironment(), logger, metrics, endpointFor: () => '' };
    }, IN_LAMBDA),
  ),
);
