/**
 * Plain HTTP requests the local runtime serves beside WebSockets on an API's port (the AWS
 * endpoint with the Management API, Function URL mounts, npm start's pages), in the order
 * local-runtime/runtime.ts lists them; the first whose `matches` is true serves the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRoute {
  readonly name: string;
  matches(request: IncomingMessage): boolean;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

/** Serves a request with the first matching route; a route that throws answers 500. */
export function serveHttp(routes: readonly HttpRoute[], request: IncomingMessage, response: ServerResponse, onError: (route: string, error: unknown) => void): boolean {
  const route = routes.find((candidate) => candidate.matches(request));
  if (!route) return false;
  route.handle(request, response).catch((error: unknown) => {
    onError(route.name, error);
    if (!response.headersSent) response.writeHead(500).end();
    else response.end();
  });
  return true;
}
