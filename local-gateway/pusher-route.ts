/**
 * Pusher's HTTP API on the local gateway's own port (`host: '127.0.0.1', port: $PORT,
 * useTLS: false` in the `pusher` SDK), signed and verified exactly as deployed: the same
 * code as the deployed Function URL, with the app from TOPICAST_PUSHER_APP_ID/_KEY/_SECRET.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MessagingDependencies } from '../lambdas/composition/dependencies.js';
import { systemClock } from '../lambdas/composition/system.js';
import type { PusherAppLoader } from '../lambdas/composition/environment/pusher.js';
import { connectionIdOfSocketId } from '../lambdas/core/pusher/socket-id.js';
import type { ServerOperations } from '../lambdas/core/use-cases/server-operations.js';
import { MAX_PUSHER_BODY_BYTES, servePusherApi } from '../lambdas/handlers/pusher-api.js';
import type { HttpRoute } from './http-routes.js';
import { readBody } from './management-api.js';

/** Every path under `/apps/`: Pusher's API prefix, which no other local route uses. */
export function pusherRoute(deps: MessagingDependencies, operations: ServerOperations, app: PusherAppLoader): HttpRoute {
  return {
    name: 'pusher api',
    matches: (request) => urlOf(request).pathname.startsWith('/apps/'),
    async handle(request, response) {
      const body = await readBody(request, MAX_PUSHER_BODY_BYTES);
      if (body.tooLarge) return send(response, 413, { reason: 'payload_too_large', message: `the body is over ${MAX_PUSHER_BODY_BYTES} bytes` });
      const url = urlOf(request);
      const result = await servePusherApi(
        { operations, app, connectionIdOfSocketId, limits: deps.config.limits, clock: systemClock, logger: deps.logger },
        { method: request.method ?? 'GET', path: url.pathname, query: url.search.replace(/^\?/, ''), body: body.data.toString('utf8') },
      );
      send(response, result.status, result.body);
    },
  };
}

function urlOf(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://local');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
