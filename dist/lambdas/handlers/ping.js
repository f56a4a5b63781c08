import { once } from '../composition/dependencies.js';
// settings.js, not shared.js: ping must not bundle the DynamoDB client.
import { configFromEnvironment, IN_LAMBDA } from '../composition/environment/settings.js';
import { jsonLogger } from '../composition/system.js';
import { heartbeat } from '../core/use-cases/heartbeat.js';
import { createMessageHandler, only } from './message-handler.js';
/** Answers from memory: no table, no Management API, so it needs no IAM permission. */
export const createPingHandler = (deps) => createMessageHandler(deps, only('heartbeat', async (_deps, _requester, command) => heartbeat(command)));
export const handler = createPingHandler(once(() => ({ config: configFromEnvironment(), logger: jsonLogger(), endpointFor: () => '' }), IN_LAMBDA));
