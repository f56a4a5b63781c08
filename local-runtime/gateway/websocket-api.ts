/**
 * One WebSocket API as API Gateway serves it: `$connect` runs before the handshake
 * completes (a non-2xx status fails it with that status), messages are routed by the
 * API's route selection expression with `$default` as fallback, only routes with a route
 * response send the function's body back (two-way), `$disconnect` runs on every close, and
 * API Gateway's limits hold: 32 KB frames and 128 KB messages (close 1009), no binary
 * frames (close 1003), 10 minutes idle, 2 hours per connection, 29 s per integration.
 * The integration itself (which function, how it runs) is the caller's.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { API_GATEWAY_LIMITS } from '../../lambdas/core/api-gateway-limits.js';
import type { GatewayEvent, GatewayResponse } from '../../lambdas/handlers/api-gateway-event.js';
import { ConnectionPool, newConnectionId, type PooledConnection } from '../../local-gateway/connection-pool.js';
import { connectEvent, disconnectEvent, messageEvent, type GatewayIdentity } from '../../local-gateway/event-formatter.js';
import { FrameWatcher } from '../../local-gateway/frame-watcher.js';

// API Gateway closes idle and over-age connections with 1001 "Going away".
const GOING_AWAY = 1001;

/** What API Gateway makes of one route integration. */
export type Integration =
  | { readonly kind: 'response'; readonly statusCode: number; readonly response: GatewayResponse | undefined; readonly requestId: string }
  /** A function error (thrown, or the function's timeout): the client sees "Internal server error". */
  | { readonly kind: 'function-error'; readonly statusCode: 500; readonly requestId: string }
  /** The 29 s integration timeout: the client sees "Endpoint request timed out". */
  | { readonly kind: 'integration-timeout'; readonly statusCode: 504; readonly requestId: string };

export interface RouteTable {
  /** The route a message goes to, or undefined when none matches and there is no `$default`. */
  select(body: string): string | undefined;
  has(routeKey: string): boolean;
  /** Whether the client receives the integration's body (a route response exists). */
  twoWay(routeKey: string): boolean;
}

export interface WebSocketApiOptions {
  readonly server: Server;
  readonly identity: GatewayIdentity;
  readonly routes: RouteTable;
  /** Runs one route's integration (the function, its timeout) and says what it returned. */
  readonly integrate: (routeKey: string, event: GatewayEvent) => Promise<Integration>;
  /** @default 600000 */
  readonly idleTimeoutMs?: number;
  /** @default 7200000 */
  readonly maxConnectionMs?: number;
  /** @default 29000 */
  readonly integrationTimeoutMs?: number;
  readonly onIntegrationTimeout?: (routeKey: string, connectionId: string) => void;
  /**
   * A local answer to a handshake, before `$connect`: the socket is accepted, sent `frame`,
   * and closed with `code` (npm start's wrong Pusher key, pusher-mapping.ts).
   */
  readonly refuseConnect?: (url: string | undefined) => { readonly frame: string; readonly code: number; readonly reason: string } | undefined;
}

export interface ServedWebSocketApi {
  readonly pool: ConnectionPool;
  /** Records why a connection is about to be closed by the Management API (its `$disconnect` reports it). */
  noteDeleted(connectionId: string): void;
  /** Closes every connection (1001) and waits for their `$disconnect` integrations to start. */
  closeAll(): Promise<void>;
  close(): void;
}

export function serveWebSocketApi(options: WebSocketApiOptions): ServedWebSocketApi {
  const { identity, routes } = options;
  const pool = new ConnectionPool();
  const idleTimeoutMs = options.idleTimeoutMs ?? API_GATEWAY_LIMITS.idleSeconds * 1000;
  const maxConnectionMs = options.maxConnectionMs ?? API_GATEWAY_LIMITS.maxConnectionSeconds * 1000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? API_GATEWAY_LIMITS.integrationTimeoutSeconds * 1000;
  const closeReasons = new Map<string, { code: number; reason: string }>();
  // ws closes with 1009 over 128 KB, as API Gateway does; the 32 KB frame limit is the
  // FrameWatcher's. API Gateway negotiates no compression.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: API_GATEWAY_LIMITS.messageBytes,
    perMessageDeflate: false,
    handleProtocols: (_protocols, request) => (request as IncomingMessage & { subprotocol?: string }).subprotocol ?? false,
  });

  async function integrate(routeKey: string, event: GatewayEvent): Promise<Integration> {
    const requestId = event.requestContext.requestId ?? '';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Integration>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'integration-timeout', statusCode: 504, requestId }), integrationTimeoutMs);
    });
    try {
      const outcome = await Promise.race([options.integrate(routeKey, event), timeout]);
      if (outcome.kind === 'integration-timeout') options.onIntegrationTimeout?.(routeKey, event.requestContext.connectionId);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  async function acceptUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const facts = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: request.headers['user-agent'] ?? '',
    };
    socket.on('error', () => undefined);
    const refusal = options.refuseConnect?.(request.url);
    if (refusal) {
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.send(refusal.frame);
        ws.close(refusal.code, refusal.reason);
      });
      return;
    }
    if (routes.has('$connect')) {
      const outcome = await integrate('$connect', connectEvent(identity, facts, request));
      if (outcome.kind !== 'response') {
        rejectHandshake(socket, { statusCode: outcome.statusCode, body: outcome.kind === 'integration-timeout' ? 'Endpoint request timed out' : 'Internal server error' });
        return;
      }
      if (outcome.statusCode < 200 || outcome.statusCode > 299) {
        rejectHandshake(socket, { statusCode: outcome.statusCode, body: outcome.response?.body ?? '' });
        return;
      }
      (request as IncomingMessage & { subprotocol?: string }).subprotocol = headerValue(outcome.response, 'sec-websocket-protocol');
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws, socket, facts));
  }

  function attach(ws: WebSocket, socket: Duplex, facts: { connectionId: string; connectedAt: number; sourceIp: string; userAgent: string }): void {
    const connection: PooledConnection = { ...facts, socket: ws, lastActiveAt: Date.now() };
    pool.add(connection);
    // Ahead of ws's own listener, so a refused frame is seen before ws can deliver it.
    const frames = new FrameWatcher();
    let refused = false;
    socket.prependListener('data', (chunk: Buffer) => {
      const violation = frames.feed(chunk);
      if (!violation) return;
      refused = true;
      closeAs(violation.code, violation.reason);
    });
    // Idle means no message in either direction: what the Management API posts counts too.
    let idleTimer = setTimeout(checkIdle, idleTimeoutMs);
    function checkIdle(): void {
      const idleFor = Date.now() - connection.lastActiveAt;
      if (idleFor >= idleTimeoutMs) closeAs(GOING_AWAY, 'Going away');
      else idleTimer = setTimeout(checkIdle, idleTimeoutMs - idleFor);
    }
    const ageTimer = setTimeout(() => closeAs(GOING_AWAY, 'Going away'), maxConnectionMs);
    function closeAs(code: number, reason: string): void {
      closeReasons.set(facts.connectionId, { code, reason });
      ws.close(code, reason);
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Binary frames never get here: the FrameWatcher closes the connection with 1003 first.
      if (refused || isBinary) return;
      connection.lastActiveAt = Date.now();
      const body = rawToBuffer(data).toString('utf8');
      const routeKey = routes.select(body);
      const event = messageEvent(identity, facts, routeKey ?? '$default', body, false);
      if (routeKey === undefined) {
        // No route and no $default: API Gateway answers the client itself.
        send(JSON.stringify({ message: 'Forbidden', connectionId: facts.connectionId, requestId: event.requestContext.requestId }));
        return;
      }
      void integrate(routeKey, event).then((outcome) => {
        if (outcome.kind !== 'response') send(errorFrame(outcome, facts.connectionId));
        else if (routes.twoWay(routeKey) && typeof outcome.response?.body === 'string' && outcome.response.body.length > 0) send(outcome.response.body);
      });
    });
    function send(frame: string): void {
      if (ws.readyState !== ws.OPEN) return;
      connection.lastActiveAt = Date.now();
      ws.send(frame);
    }

    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(idleTimer);
      clearTimeout(ageTimer);
      pool.remove(facts.connectionId);
      const recorded = closeReasons.get(facts.connectionId);
      closeReasons.delete(facts.connectionId);
      if (!routes.has('$disconnect')) return;
      void integrate('$disconnect', disconnectEvent(identity, facts, recorded?.code ?? code, recorded?.reason ?? reason.toString('utf8')));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes with 1009 over 128 KB but drops the socket before the client's close
      // frame arrives, which would report 1006; API Gateway reports the code it closed with.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') closeReasons.set(facts.connectionId, { code: 1009, reason: 'Message too big' });
    });
  }

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => void acceptUpgrade(request, socket, head);
  options.server.on('upgrade', onUpgrade);

  return {
    pool,
    noteDeleted: (connectionId) => closeReasons.set(connectionId, { code: 1000, reason: 'Connection deleted' }),
    async closeAll() {
      const closing = [...pool.all()].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once('close', () => resolve());
            connection.socket.close(GOING_AWAY, 'Going away');
          }),
      );
      await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
    close() {
      options.server.off('upgrade', onUpgrade);
      wss.close();
    },
  };
}

/**
 * Route selection by a `$request.body.<path>` expression: a JSON object whose value at the
 * path names a route goes there; anything else goes to `$default` (or nowhere without one).
 */
export function routeTable(expression: string, routes: readonly { routeKey: string; twoWay: boolean }[]): RouteTable {
  const keys = new Map(routes.map((route) => [route.routeKey, route]));
  const path = /^\$\{?request\.body\.([\w.]+)\}?$/.exec(expression)?.[1]?.split('.');
  const fallback = keys.has('$default') ? '$default' : undefined;
  return {
    has: (routeKey) => keys.has(routeKey),
    twoWay: (routeKey) => keys.get(routeKey)?.twoWay === true,
    select(body) {
      if (!path) return fallback;
      try {
        let value: unknown = JSON.parse(body);
        for (const part of path) value = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[part] : undefined;
        if (typeof value === 'string' && !value.startsWith('$') && keys.has(value)) return value;
      } catch {
        // not JSON: $default
      }
      return fallback;
    },
  };
}

function headerValue(response: GatewayResponse | undefined, name: string): string | undefined {
  const entry = Object.entries(response?.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

/** The frame API Gateway sends a client whose message's integration failed. */
function errorFrame(outcome: Exclude<Integration, { kind: 'response' }>, connectionId: string): string {
  const message = outcome.kind === 'integration-timeout' ? 'Endpoint request timed out' : 'Internal server error';
  return JSON.stringify({ message, connectionId, requestId: outcome.requestId });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** The handshake fails with the status `$connect` returned, as API Gateway does. */
function rejectHandshake(socket: Duplex, response: GatewayResponse): void {
  const status = response.statusCode >= 400 && response.statusCode <= 599 ? response.statusCode : 500;
  const body = response.body ?? '';
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
