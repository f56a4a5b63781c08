/**
 * The API Gateway Management API on the gateway's own port: POST (send), GET (info) and
 * DELETE (disconnect) on `/@connections/{id}`, with or without the stage prefix. Unknown
 * ids answer 410 with `x-amzn-errortype: GoneException`, which is what makes the AWS SDK
 * raise GoneException; messages over 128 KB answer 413, as API Gateway does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import type { ConnectionPool } from './connection-pool.js';

export const MAX_MESSAGE_BYTES = API_GATEWAY_LIMITS.messageBytes;
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/@connections\/([^/?]+)\/?$/;

export interface ManagementApiHooks {
  /** Called before the socket is closed by a DELETE, so the gateway can record why. */
  readonly onDelete: (connectionId: string) => void;
}

export function isManagementRequest(url: string | undefined): boolean {
  return CONNECTIONS_PATH.test(new URL(url ?? '/', 'http://local').pathname);
}

export async function handleManagementRequest(request: IncomingMessage, response: ServerResponse, pool: ConnectionPool, hooks: ManagementApiHooks): Promise<void> {
  const body = await readBody(request, MAX_MESSAGE_BYTES);
  serveManagementRequest(request.method ?? 'GET', request.url, body, response, pool, hooks);
}

/** The `@connections` id of a Management API path, or undefined. */
export function managementConnectionId(url: string | undefined): string | undefined {
  const match = CONNECTIONS_PATH.exec(new URL(url ?? '/', 'http://local').pathname);
  return match ? decodeURIComponent(match[1] as string) : undefined;
}

/** Serves a Management API request whose body was already read (`readBody` with the 128 KB limit). */
export function serveManagementRequest(
  method: string,
  url: string | undefined,
  body: { data: Buffer; tooLarge: boolean },
  response: ServerResponse,
  pool: ConnectionPool,
  hooks: ManagementApiHooks,
): void {
  const connectionId = managementConnectionId(url);
  if (connectionId === undefined) return sendError(response, 404, 'NotFoundException', 'Not Found');
  const connection = pool.get(connectionId);
  if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
    return sendError(response, 410, 'GoneException', null);
  }
  switch (method) {
    case 'POST': {
      // Refused whole, never truncated: nothing reaches the client.
      if (body.tooLarge) return sendError(response, 413, 'PayloadTooLargeException', 'Message too long');
      connection.lastActiveAt = Date.now();
      connection.socket.send(body.data.toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end();
      return;
    }
    case 'GET': {
      // The wire names are camelCase (the SDK maps connectedAt to ConnectedAt, and so on).
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          connectedAt: new Date(connection.connectedAt).toISOString(),
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
        }),
      );
      return;
    }
    case 'DELETE': {
      hooks.onDelete(connectionId);
      connection.socket.close(1000, 'Connection deleted');
      response.writeHead(204).end();
      return;
    }
    default:
      sendError(response, 405, 'MethodNotAllowedException', `Method ${method} not allowed`);
  }
}

function sendError(response: ServerResponse, status: number, type: string, message: string | null): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message }));
}

/** The body, or only the fact that it is over `limit` (it is drained, never held). */
export function readBody(request: IncomingMessage, limit: number): Promise<{ data: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on('end', () => resolve({ data: Buffer.concat(chunks), tooLarge: size > limit }));
    request.on('error', reject);
  });
}
