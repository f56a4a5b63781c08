/**
 * Composition for the local gateway: the same adapters as in Lambda, pointed at local
 * endpoints. Built from an options object, not process.env, so several gateways can run
 * in one process (tests) with different settings.
 */
import { Agent } from 'node:http';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRealtimeStore } from '../lambdas/adapters/dynamodb/realtime-store.js';
import { SdkMessageSender } from '../lambdas/adapters/management-api/sdk-message-sender.js';
import { assembleMessaging, type MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { verifierFromEnvironment } from '../lambdas/composition/environment/connect.js';
import type { Environment } from '../lambdas/composition/environment/shared.js';
import { randomIds, systemClock } from '../lambdas/composition/system.js';
import type { TopicastConfig } from '../lambdas/core/config.js';
import type { FanoutDispatcher, Logger } from '../lambdas/core/ports.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb.js';

export interface LocalDependencyOptions {
  readonly config: TopicastConfig;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly env: Environment;
  readonly logger: Logger;
  readonly dispatcher: FanoutDispatcher;
}

export function localDependencies(options: LocalDependencyOptions): MessagingDependencies {
  // The real Management API client, over keep-alive HTTP to whichever gateway owns a socket.
  const requestHandler = new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: options.config.fanout.concurrency }) });
  return assembleMessaging({
    config: options.config,
    logger: options.logger,
    store: new DynamoRealtimeStore(options.documentClient, options.tableName),
    clock: systemClock,
    ids: randomIds,
    verifier: verifierFromEnvironment(options.env),
    endpointFor: (context) => `http://${context.domainName}/${context.stage}`,
    sender: new SdkMessageSender(
      (endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler }),
      options.config.fanout.postTimeoutMs,
    ),
    dispatcher: options.dispatcher,
  });
}
