/**
 * API Gateway WebSocket events as Lambda receives them (and as the local gateway
 * reproduces them), for calling the handlers directly.
 */
import { randomUUID } from 'node:crypto';
import { ROUTE_KEYS } from '../../lambdas/core/protocol/constants.js';
import type { GatewayEvent, GatewayRequestContext } from '../../lambdas/handlers/api-gateway-event.js';

export const TEST_DOMAIN = 'abc123.execute-api.us-east-1.amazonaws.com';
export const TEST_STAGE = 'test';
export const TEST_API_ID = 'abc123';

export interface ContextOverrides extends Partial<Omit<GatewayRequestContext, 'connectionId'>> {}

export function requestContext(connectionId: string, routeKey: string, eventType: GatewayRequestContext['eventType'], overrides: ContextOverrides = {}): GatewayRequestContext {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    connectionId,
    domainName: TEST_DOMAIN,
    stage: TEST_STAGE,
    apiId: TEST_API_ID,
    connectedAt: now,
    requestTimeEpoch: now,
    requestId: randomUUID(),
    extendedRequestId: randomUUID(),
    ...(eventType === 'MESSAGE' ? { messageId: randomUUID(), messageDirection: 'IN' as const } : {}),
    identity: { sourceIp: '127.0.0.1', userAgent: 'vitest' },
    ...overrides,
  };
}

export interface ConnectEventOptions {
  /** Header names as the client sent them (API Gateway does not lower-case them). */
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly context?: ContextOverrides;
}

export function connectEvent(connectionId: string, options: ConnectEventOptions = {}): GatewayEvent {
  const headers = { Host: TEST_DOMAIN, 'Sec-WebSocket-Version': '13', ...options.headers };
  return {
    requestContext: requestContext(connectionId, '$connect', 'CONNECT', options.context),
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: options.query && Object.keys(options.query).length > 0 ? options.query : null,
    isBase64Encoded: false,
  };
}

export function messageEvent(connectionId: string, body: string, routeKey: string = routeKeyFor(body), context: ContextOverrides = {}): GatewayEvent {
  return { requestContext: requestContext(connectionId, routeKey, 'MESSAGE', context), body, isBase64Encoded: false };
}

export function disconnectEvent(connectionId: string, context: ContextOverrides = {}): GatewayEvent {
  return {
    requestContext: requestContext(connectionId, '$disconnect', 'DISCONNECT', {
      disconnectStatusCode: 1000,
      disconnectReason: 'Client closed',
      ...context,
    }),
    isBase64Encoded: false,
  };
}

/**
 * Route selection as API Gateway does it with `$request.body.action`: a JSON object whose
 * `action` names a route goes there; everything else (Phoenix arrays, bad frames) to `$default`.
 */
export function routeKeyFor(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const action = (parsed as Record<string, unknown>).action;
      if (typeof action === 'string' && !action.startsWith('$') && (ROUTE_KEYS as readonly string[]).includes(action)) return action;
    }
  } catch {
    // not JSON: $default
  }
  return '$default';
}
