/**
 * The `phoenix` client always appends `/websocket` to its endpoint, but an API Gateway
 * WebSocket URL ends at the stage (`wss://{api}.execute-api.{region}.amazonaws.com/prod`)
 * and any other path is refused. This wraps a WebSocket class so the client can be used
 * unchanged: pass it as the Socket's `transport`.
 *
 *   import { Socket } from 'phoenix';
 *   import { apiGatewayTransport } from 'topicast/client';
 *   const socket = new Socket('wss://abc.execute-api.eu-west-1.amazonaws.com/prod', {
 *     transport: apiGatewayTransport(WebSocket),   // in Node: apiGatewayTransport(WebSocket from 'ws')
 *   });
 *
 * Browser and Node alike; no dependencies.
 */

type WebSocketClass = new (url: string | URL, protocols?: string | string[]) => object;

/** Removes the trailing `/websocket` path segment the phoenix client adds, keeping the query. */
export function stripPhoenixSuffix(url: string | URL): string {
  const parsed = new URL(String(url));
  parsed.pathname = parsed.pathname.replace(/\/websocket\/?$/, '') || '/';
  return parsed.toString();
}

export function apiGatewayTransport<T extends WebSocketClass>(Base: T): T {
  // `extends` keeps the static readyState constants (OPEN, CLOSED, ...) through the prototype chain.
  const Wrapped = class extends (Base as WebSocketClass) {
    public constructor(url: string | URL, protocols?: string | string[]) {
      super(stripPhoenixSuffix(url), protocols);
    }
  };
  return Wrapped as unknown as T;
}
