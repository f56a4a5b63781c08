/**
 * The local pages on the gateway's own port: `/` the chat demo, `/_topicast` the live
 * dashboard, `/_topicast/api/state` and `/_topicast/api/activity` their JSON, the two
 * bundled scripts and the icon (also at /favicon.ico). WebSocket upgrades never reach here (they are served on any path).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../http-routes.js';
import { browserAssets, type BrowserAssets } from './browser-assets.js';
import { DASHBOARD_PAGE, DEMO_PAGE, ICON_SVG } from './html.js';
import type { LiveConsole } from './live-console.js';

const PREFIX = '/_topicast';

export function pagesRoute(live: LiveConsole): HttpRoute {
  const pages: Record<string, (response: ServerResponse) => Promise<void> | void> = {
    '/': (response) => send(response, 200, 'text/html; charset=utf-8', DEMO_PAGE),
    [PREFIX]: (response) => send(response, 200, 'text/html; charset=utf-8', DASHBOARD_PAGE),
    [`${PREFIX}/`]: (response) => send(response, 200, 'text/html; charset=utf-8', DASHBOARD_PAGE),
    [`${PREFIX}/api/state`]: async (response) => sendJson(response, await live.state()),
    [`${PREFIX}/api/activity`]: (response) => sendJson(response, live.activity()),
    [`${PREFIX}/demo.js`]: (response) => sendScript(response, 'demo.js'),
    [`${PREFIX}/dashboard.js`]: (response) => sendScript(response, 'dashboard.js'),
    [`${PREFIX}/icon.svg`]: (response) => send(response, 200, 'image/svg+xml', ICON_SVG),
    // Browsers ask for it whatever the page links: an answer instead of the gateway's 426.
    '/favicon.ico': (response) => send(response, 200, 'image/svg+xml', ICON_SVG),
  };
  return {
    name: 'local pages',
    matches: (request) => pathOf(request) in pages,
    async handle(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
        return;
      }
      await (pages[pathOf(request)] as (response: ServerResponse) => Promise<void> | void)(response);
    },
  };
}

function pathOf(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://local').pathname;
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  // The pages are for a developer's own machine: nothing is cached, nothing framed elsewhere.
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-frame-options': 'DENY' }).end(body);
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, 'application/json', JSON.stringify(value));
}

async function sendScript(response: ServerResponse, name: keyof BrowserAssets): Promise<void> {
  send(response, 200, 'text/javascript; charset=utf-8', (await browserAssets())[name]);
}
