/**
 * The `phoenix` client in a real browser (Chromium from test/support/browser.ts, driven by playwright-core):
 * two tabs join one topic through the local gateway, see each other in Presence, and
 * chat. The page uses the browser's own WebSocket wrapped by apiGatewayTransport.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';
import { serveInChromium, type BrowserSite } from '../support/browser.js';

let gateway: RunningGateway;
let site: BrowserSite;

const PAGE = (bundle: string) => `<!doctype html><html><head><meta charset="utf-8"><title>topicast chat</title></head>
<body><ul id="online"></ul><ol id="messages"></ol>
<script>${bundle}</script>
<script>
  const params = new URLSearchParams(location.search);
  const { Socket, Presence, apiGatewayTransport } = window.topicast;
  const socket = new Socket(params.get('ws'), { transport: apiGatewayTransport(WebSocket) });
  socket.connect();
  const channel = socket.channel('room:browser', { meta: { name: params.get('name') } });
  const presence = new Presence(channel);
  presence.onSync(() => {
    document.getElementById('online').innerHTML = presence
      .list((key, { metas }) => '<li>' + metas[0].name + '</li>').sort().join('');
  });
  channel.on('shout', (payload) => {
    const item = document.createElement('li');
    item.textContent = payload.from + ': ' + payload.body;
    document.getElementById('messages').appendChild(item);
  });
  window.joined = new Promise((resolve, reject) => channel.join().receive('ok', resolve).receive('error', reject));
  window.say = (body) => new Promise((resolve, reject) =>
    channel.push('shout', { from: params.get('name'), body }).receive('ok', resolve).receive('error', reject));
</script></body></html>`;

beforeAll(async () => {
  gateway = await startGateway();
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
  });
  const html = PAGE(bundled.outputFiles[0]?.text ?? '');
  site = await serveInChromium((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
});

afterAll(async () => {
  await site?.close();
  await gateway?.end();
});

function openTab(name: string): Promise<Page> {
  return site.openTab(`name=${name}&ws=${encodeURIComponent(`${gateway.url}/prod`)}`, 'window.joined');
}

describe('phoenix client in a browser', () => {
  it('two tabs see each other in Presence and chat', async () => {
    // Prepare
    const ann = await openTab('ann');
    const ben = await openTab('ben');

    // Act
    await ann.waitForFunction("document.querySelectorAll('#online li').length === 2");
    await ann.evaluate("window.say('hello ben')");

    // Assess
    await ben.waitForFunction("document.querySelector('#messages li')?.textContent === 'ann: hello ben'");
    expect(await ann.locator('#online li').allTextContents()).toEqual(['ann', 'ben']);
    expect(await ben.locator('#online li').allTextContents()).toEqual(['ann', 'ben']);

    // Act: one tab closes; the other sees it leave
    await ben.close();
    await ann.waitForFunction("document.querySelectorAll('#online li').length === 1");
    expect(await ann.locator('#online li').allTextContents()).toEqual(['ann']);
    await ann.screenshot({ path: 'test/phoenix/.last-browser-run.png' }).catch(() => undefined);
  });
});
