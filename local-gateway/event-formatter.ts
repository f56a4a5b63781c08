/**
 * Builds events exactly as API Gateway sends them to WebSocket Lambda integrations:
 * `routeKey` is the route (`join`, `$default`), headers and query only on `$connect`,
 * `disconnectStatusCode` only on `$disconnect`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GatewayEvent, GatewayRequestContext } from '../lambdas/handlers/api-gateway-event.js';

export interface GatewayIdentity {
  readonly apiId: string;
  readonly stage: string;
  /** Host and port that other gateways and the handlers use to reach this one. */
  readonly domainName: string;
}

interface ConnectionFacts {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
}

const requestId = () => randomBytes(8).toString('base64').replace(/[+/=]/g, '').slice(0, 10) + '=';

function baseContext(gateway: GatewayIdentity, facts: ConnectionFacts, routeKey: string, eventType: GatewayRequestContext['eventType']): GatewayRequestContext {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    connectionId: facts.connectionId,
    domainName: gateway.domainName,
    stage: gateway.stage,
    apiId: gateway.apiId,
    connectedAt: facts.connectedAt,
    requestTimeEpoch: now,
    requestId: requestId(),
    extendedRequestId: requestId(),
    messageDirection: 'IN',
    identity: { sourceIp: facts.sourceIp, userAgent: facts.userAgent },
  };
}

export function connectEvent(gateway: GatewayIdentity, facts: ConnectionFacts, request: IncomingMessage): GatewayEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const url = new URL(request.url ?? '/', 'http://local');
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiValueQuery[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    headers,
    multiValueHeaders,
    ...(hasQuery ? { queryStringParameters: query, multiValueQueryStringParameters: multiValueQuery } : {}),
    requestContext: baseContext(gateway, facts, '$connect', 'CONNECT'),
    isBase64Encoded: false,
  } as GatewayEvent;
}

export function messageEvent(gateway: GatewayIdentity, facts: ConnectionFacts, routeKey: string, body: string, isBase64Encoded: boolean): GatewayEvent {
  return {
    body,
    isBase64Encoded,
    requestContext: { ...baseContext(gateway, facts, routeKey, 'MESSAGE'), messageId: requestId() },
  };
}

export function disconnectEvent(gateway: GatewayIdentity, facts: ConnectionFacts, statusCode: number, reason: string): GatewayEvent {
  return {
    headers: { Host: gateway.domainName },
    multiValueHeaders: { Host: [gateway.domainName] },
    isBase64Encoded: false,
    requestContext: { ...baseContext(gateway, facts, '$disconnect', 'DISCONNECT'), disconnectStatusCode: statusCode, disconnectReason: reason },
  };
}

/**
 * Route selection on `$request.body.action`: a JSON object whose `action` names a route
 * goes there; anything else (not JSON, an array, no or unknown action) goes to `$default`.
 */
export function selectRoute(body: string, routes: ReadonlySet<string>): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const action = (parsed as Record<string, unknown>).action;
      if (typeof action === 'string' && routes.has(action) && !action.startsWith('$')) return action;
    }
  } catch {
    // not JSON: $default
  }
  return '$default';
}
