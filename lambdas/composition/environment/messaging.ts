import { Agent } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LambdaFanoutDispatcher } from '../../adapters/fanout/lambda-fanout-dispatcher.js';
import { SdkMessageSender } from '../../adapters/management-api/sdk-message-sender.js';
import { assembleMessaging, type MessagingDependencies } from '../dependencies.js';
import { jsonLogger, randomIds, systemClock } from '../system.js';
import { configFromEnvironment, endpointFromEnvironment, storeFromEnvironment, type Environment } from './shared.js';

export function messagingDependenciesFromEnvironment(env: Environment = process.env): MessagingDependencies {
  const config = configFromEnvironment(env);
  // One keep-alive pool shared by every endpoint's client: fan-out reuses TLS sessions.
  const agent = new Agent({ keepAlive: true, maxSockets: config.fanout.concurrency });
  const requestHandler = new NodeHttpHandler({ httpsAgent: agent, connectionTimeout: 1000 });
  return assembleMessaging({
    config,
    logger: jsonLogger(),
    store: storeFromEnvironment(env),
    clock: systemClock,
    ids: randomIds,
    endpointFor: endpointFromEnvironment(env),
    sender: new SdkMessageSender((endpoint) => new ApiGatewayManagementApiClient({ endpoint, requestHandler }), config.fanout.postTimeoutMs),
    dispatcher: env.TOPICAST_FANOUT_FUNCTION ? new LambdaFanoutDispatcher(new LambdaClient({}), env.TOPICAST_FANOUT_FUNCTION) : undefined,
  });
}
