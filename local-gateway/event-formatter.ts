/**
 * Builds events exactly as API Gateway sends them to WebSocket Lambda integrations:
 * `routeKey` is the route (`join`, `$default`), headers and query only on `$connect`,
 * `disconnectStatusCode` only on `$disconnect`, `requestId` equal to `extendedRequestId`,
 * `requestTime` in the access-log format (`28/Nov/2026:20:01:02 +0000`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiGatewayId } from './connection-pool.js';
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`: CLF format, always UTC, e.g. `28/Nov/2026:20:01:02 +0000`. */
export function requestTime(epochMs: number): string {
  const at = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

function baseContext(gateway: GatewayIdentity, facts: ConnectionFacts, routeKey: string, eventType: GatewayRequestContext['eventType']): GatewayRequestContext {
  const now = Date.now();
  // API Gateway's WebSocket events carry one id twice (requestId and extendedRequestId).
  const requestId = apiGatewayId();
  return {
    routeKey,
    eventType,
    connectionId: facts.connectionId,
    domainName: gateway.domainName,
    stage: gateway.stage,
    apiId: gateway.apiId,
    connectedAt: facts.connectedAt,
    requestTime: requestTime(now),
    requestTimeEpoch: now,
    requestId,
    extendedRequestId: requestId,
    messageDirection: 'IN',
    identity: { sourceIp: facts.sourceIp, userAgent: facts.userAgent },
  };
}

/** Hop-by-hop headers of the upgrade that API Gateway consumes and never forwards. */
const CONSUMED_HEADERS = new Set(['connection', 'upgrade']);

export function connectEvent(gateway: GatewayIdentity, facts: ConnectionFacts, request: IncomingMessage): GatewayEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    (multiValueHeaders[name] ??= []).push(value);
  };
  let forwardedFor: string | undefined;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (CONSUMED_HEADERS.has(lower) || lower.startsWith('x-forwarded-') || lower === 'x-amzn-trace-id') {
      // A client-sent X-Forwarded-For is kept, with the address API Gateway saw appended.
      if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    add(name, value);
  }
  // What API Gateway adds to every $connect, as its edge terminates the client's connection.
  add('X-Amzn-Trace-Id', traceId(facts.connectedAt));
  add('X-Forwarded-For', forwardedFor === undefined ? facts.sourceIp : `${forwardedFor}, ${facts.sourceIp}`);
  add('X-Forwarded-Port', String(request.socket.localPort ?? ''));
  add('X-Forwarded-Proto', 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http');
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
    requestContext: { ...baseContext(gateway, facts, routeKey, 'MESSAGE'), messageId: apiGatewayId() },
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

/** `Root=1-<epoch seconds, hex>-<96 random bits, hex>`, the X-Ray trace header format. */
function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
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
