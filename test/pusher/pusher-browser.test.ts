/**
 * pusher-js in a real browser (Chromium from test/support/browser.ts, driven by
 * playwright-core): its own web build, unmodified, loaded by a page whose server is the
 * app's auth endpoint (the `pusher` SDK's `authorizeChannel`, as Laravel's
 * /broadcasting/auth). Two tabs join one presence channel through the local gateway, see
 * each other as members, and exchange a client event.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../support/template-gateway.js';
import { serveInChromium, type BrowserSite } from '../support/browser.js';
import { appServer, PUSHER_APP, startPusherGateway } from './pusher-support.js';

const PUSHER_WEB_BUILD = readFileSync(createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js'), 'utf8');

const PAGE = (wsPort: number) => `<!doctype html><html><head><meta charset="utf-8"><title>topicast pusher</title></head>
<body><ul id="members"></ul><ol id="messages"></ol>
<script>${PUSHER_WEB_BUILD}</script>
<script>
  const name = new URLSearchParams(location.search).get('name');
  const pusher = new Pusher(${JSON.stringify(PUSHER_APP.key)}, {
    cluster: 'local', wsHost: '127.0.0.1', wsPort: ${wsPort}, forceTLS: false, enabledTransports: ['ws'], disableStats: true,
    channelAuthorization: { endpoint: '/broadcasting/auth', transport: 'ajax', headers: { 'x-user': name } },
  });
  const channel = pusher.subscribe('presence-browser');
  const render = () => {
    const names = [];
    channel.members.each((member) => names.push(member.info.name));
    document.getElementById('members').innerHTML = names.sort().map((n) => '<li>' + n + '</li>').join('');
  };
  window.subscribed = new Promise((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => { render(); resolve(); });
    channel.bind('pusher:subscription_error', reject);
  });
  channel.bind('pusher:member_added', render);
  channel.bind('pusher:member_removed', render);
  channel.bind('client-say', (data) => {
    const item = document.createElement('li');
    item.textContent = data.from + ': ' + data.body;
    document.getElementById('messages').appendChild(item);
  });
  window.say = (body) => channel.trigger('client-say', { from: name, body });
</script></body></html>`;

let gateway: RunningGateway;
let site: BrowserSite;

beforeAll(async () => {
  gateway = await startPusherGateway();
  const sdk = appServer();
  site = await serveInChromium((request, response) => {
    if (request.method === 'POST' && request.url === '/broadcasting/auth') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const name = String(request.headers['x-user']);
        const signed = sdk.authorizeChannel(form.get('socket_id') ?? '', form.get('channel_name') ?? '', { user_id: name, user_info: { name } });
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signed));
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(gateway.port));
  });
});

afterAll(async () => {
  await site?.close();
  await gateway?.end();
});

function openTab(name: string): Promise<Page> {
  return site.openTab(`name=${name}`, 'window.subscribed');
}

describe('pusher-js in a browser', () => {
  it('two tabs see each other as presence members and exchange client events', async () => {
    // Prepare
    const ann = await openTab('ann');
    const ben = await openTab('ben');

    // Act
    await ann.waitForFunction("document.querySelectorAll('#members li').length === 2");
    await ann.evaluate("window.say('hello ben')");

    // Assess
    await ben.waitForFunction("document.querySelector('#messages li')?.textContent === 'ann: hello ben'");
    expect(await ann.locator('#members li').allTextContents()).toEqual(['ann', 'ben']);
    expect(await ben.locator('#members li').allTextContents()).toEqual(['ann', 'ben']);
    // Client events never come back to their sender.
    expect(await ann.locator('#messages li').count()).toBe(0);

    // Act: one tab closes; the other sees the member leave
    await ben.close();
    await ann.waitForFunction("document.querySelectorAll('#members li').length === 1");
    expect(await ann.locator('#members li').allTextContents()).toEqual(['ann']);
  });
});
