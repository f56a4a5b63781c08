/**
 * The HTTP publish API on the local gateway's own port (unsigned: the gateway listens on
 * 127.0.0.1 only), served by the same code as the deployed Function URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoUserConnections } from '../lambdas/adapters/dynamodb/user-connections.js';
import { SdkConnectionCloser } from '../lambdas/adapters/management-api/sdk-connection-closer.js';
import type { MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { REASONS } from '../lambdas/core/protocol/constants.js';
import { ServerOperations } from '../lambdas/core/use-cases/server-operations.js';
import { MAX_PUBLISH_BODY_BYTES, servePublishApi } from '../lambdas/handlers/publish-api.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb.js';
import type { HttpRoute } from './http-routes.js';
import { readBody } from './management-api.js';

const PATHS = new Set(['/publish', '/presence', '/occupancy', '/disconnect', '/history']);

/** The server operations over the gateway's own store, broadcaster and Management API. */
export function localServerOperations(deps: MessagingDependencies, documentClient: DynamoDBDocumentClient, tableName: string): ServerOperations {
  const closer = new SdkConnectionCloser(
    (endpoint) => new ApiGatewayManagementApiClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }),
    deps.config.fanout.postTimeoutMs,
  );
  return new ServerOperations({ ...deps, closer, users: new DynamoUserConnections(documentClient, tableName) });
}

export function publishRoute(deps: MessagingDependencies, operations: ServerOperations): HttpRoute {
  return {
    name: 'publish api',
    matches: (request) => PATHS.has(pathOf(request).replace(/\/+$/, '')),
    async handle(request, response) {
      const body = await readBody(request, MAX_PUBLISH_BODY_BYTES);
      if (body.tooLarge) {
        return send(response, 413, { reason: REASONS.payloadTooLarge, message: `the body is over ${MAX_PUBLISH_BODY_BYTES} bytes` });
      }
      const result = await servePublishApi(
        { operations, limits: deps.config.limits, logger: deps.logger },
        { method: request.method ?? 'GET', path: pathOf(request), body: body.data.toString('utf8') },
      );
      send(response, result.status, result.body);
    },
  };
}

function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://local').pathname;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
