/**
 * What the handler benchmarks (bench:channels, bench:history) share: API Gateway-shaped
 * events for invoking the real handlers in-process, and their number formatting.
 */
import type { GatewayEvent } from '../lambdas/handlers/api-gateway-event.js';

export { percentile } from './ws-clients.js';

export function benchEvent(routeKey: string, connectionId: string, body?: string): GatewayEvent {
  return {
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : 'MESSAGE',
      connectionId,
      domainName: 'bench.local',
      stage: 'bench',
      apiId: 'bench',
      requestId: `${connectionId}-${Math.random()}`,
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      messageDirection: 'IN',
      identity: { sourceIp: '127.0.0.1', userAgent: 'bench' },
    },
    ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
  } as unknown as GatewayEvent;
}

/** Two decimals. */
export const r2 = (value: number): number => Math.round(value * 100) / 100;
