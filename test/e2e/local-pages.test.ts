/**
 * The local pages in a real browser (Chromium found by test/support/browser.ts, driven by
 * playwright-core): two tabs
 * of the demo chat and see each other in the presence list; the dashboard shows both
 * connections, the topic, the rates and the route log; the state API answers the counts.
 * TOPICAST_SCREENSHOTS=docs writes the screenshots committed under docs/.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../local-gateway/gateway.js';
import { launchBrowser } from '../support/browser.js';
import { waitUntil } from '../support/local-gateway.js';
import { openClient } from '../support/ws-client.js';

const SCREENSHOTS = process.env.TOPICAST_SCREENSHOTS;

let gateway: RunningGateway;
let http: string;
let browser: Browser;

beforeAll(async () => {
  // Lifecycle events on, so the dashboard's event list has something to show.
  gateway = await startGateway({ port: 0, quiet: true, config: { lifecycleEvents: true } });
  http = gateway.url.replace('ws:', 'http:');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.end();
});

async function state(): Promise<{ connections: number; topics: { topic: string; subscribers: number; presence: number }[] }> {
  const response = await fetch(`${http}/_topicast/api/state`);
  expect(response.headers.get('content-type')).toBe('application/json');
  return (await response.json()) as Awaited<ReturnType<typeof state>>;
}

async function openDemo(name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  await page.goto(`${http}/`);
  await page.fill('#name', name);
  await page.fill('#room', 'browser');
  await page.click('#join button');
  await page.waitForFunction("document.getElementById('status').textContent.startsWith('joined room:browser')");
  return page;
}

const presenceOf = (page: Page) => page.locator('#presence li').allTextContents();

describe('local pages', () => {
  it('serves the demo on / (plain HTTP) while WebSocket upgrades on / keep working', async () => {
    // Act
    const page = await fetch(`${http}/`);
    const script = await fetch(`${http}/_topicast/demo.js`);
    const client = await openClient(gateway.url, { path: '/' });
    const reply = await client.join('room:upgrade-on-root');
    client.close();
    await client.closed;
    // $disconnect runs after the close: the state empties once it has.
    await waitUntil(async () => (await state()).topics.length === 0, 'the closed client left');

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/_topicast/demo.js">');
    expect(script.status).toBe(200);
    // The phoenix client is bundled in, not fetched from a CDN.
    const bundle = await script.text();
    expect(bundle).toContain('phx_join');
    expect(bundle).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    expect(reply).toMatchObject({ payload: { status: 'ok' } });
  });

  it('two tabs chat and see each other in the presence list; the dashboard and the state API show both', async () => {
    // Prepare
    expect(await state()).toEqual({ scope: 'gateway', connections: 0, topics: [] });
    const ann = await openDemo('ann');
    const ben = await openDemo('ben');

    // Act
    await ann.waitForFunction("document.querySelectorAll('#presence li').length === 2");
    await ann.fill('#message', 'hello ben');
    await ann.press('#message', 'Enter');
    await ben.waitForFunction("[...document.querySelectorAll('#messages li.message')].some((li) => li.textContent === 'ann: hello ben')");
    await ben.fill('#message', 'hi ann');
    await ben.click('#send button');
    await ann.waitForFunction("[...document.querySelectorAll('#messages li.message')].some((li) => li.textContent === 'ben: hi ann')");
    // A bad frame from another client, so the dashboard has a refusal to show
    const raw = await openClient(gateway.url);
    raw.send('not json');
    await raw.nextEvent('phx_reply');
    raw.close();
    await raw.closed;

    // Assess: presence on both pages
    expect(await presenceOf(ann)).toEqual(['ann', 'ben']);
    expect(await presenceOf(ben)).toEqual(['ann', 'ben']);

    // Assess: the state API counts both connections and the topic
    expect(await state()).toEqual({ scope: 'gateway', connections: 2, topics: [{ topic: 'room:browser', subscribers: 2, presence: 2 }] });

    // Assess: the dashboard shows the same, the rates, the refusal and the route log
    const dashboard = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await dashboard.goto(`${http}/_topicast`);
    await dashboard.waitForFunction("document.getElementById('connections').textContent === '2'");
    expect(await dashboard.locator('#topics tr').first().locator('td').allTextContents()).toEqual(['room:browser', '2', '2']);
    expect(Number(await dashboard.locator('#messages-per-second').textContent())).toBeGreaterThan(0);
    expect(await dashboard.locator('#refusals td.reason').allTextContents()).toContain('invalid_frame');
    const log = (await dashboard.locator('#log td.text').allTextContents()).join('\n');
    // The phoenix client's array frames take the $default route: two joins, two pushes
    expect(log.match(/^\$default \S+ 200 [\d.]+ms$/gm)?.length).toBeGreaterThanOrEqual(4);
    expect(log).toMatch(/^\$connect \S+ 200 [\d.]+ms$/m);
    await dashboard.waitForFunction("[...document.querySelectorAll('#events td.event')].some((td) => td.textContent === 'occupied')");
    expect(await dashboard.locator('#events td.event').allTextContents()).toEqual(expect.arrayContaining(['connected', 'joined', 'occupied']));
    if (SCREENSHOTS) {
      await ann.screenshot({ path: join(SCREENSHOTS, 'local-demo.png') });
      await dashboard.screenshot({ path: join(SCREENSHOTS, 'local-dashboard.png'), fullPage: true });
    }

    // Act: one tab closes
    await ben.close();

    // Assess: the other sees it leave, and the dashboard follows
    await ann.waitForFunction("document.querySelectorAll('#presence li').length === 1");
    expect(await presenceOf(ann)).toEqual(['ann']);
    await dashboard.waitForFunction("document.getElementById('connections').textContent === '1'");
    expect(await state()).toEqual({ scope: 'gateway', connections: 1, topics: [{ topic: 'room:browser', subscribers: 1, presence: 1 }] });
  });

  it('refuses other methods on the pages', async () => {
    const response = await fetch(`${http}/_topicast/api/state`, { method: 'POST' });
    expect(response.status).toBe(405);
    await response.arrayBuffer();
  });
});
