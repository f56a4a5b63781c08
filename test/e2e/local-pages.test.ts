/**
 * The local pages in a real browser (Chromium found by test/support/browser.ts, driven by
 * playwright-core), on a 1280 px desktop and a 390 px phone: two tabs of the demo chat
 * see each other in the presence list; the dashboard shows both connections, the topic,
 * the rates, a chart and the route log with what each phoenix frame was; the state API
 * answers the counts. TOPICAST_SCREENSHOTS=docs writes the screenshots committed under docs/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, warmUp, type RunningGateway } from '../support/template-gateway.js';
import { launchBrowser } from '../support/browser.js';
import { uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { openClient } from '../support/ws-client.js';

const SCREENSHOTS = process.env.TOPICAST_SCREENSHOTS;
// A change reaches the state API through a function ($disconnect, leave) writing the table: the
// first of each starts its process (seconds on a loaded machine), later ones are warm.
const STATE_MS = 30_000;

let gateway: RunningGateway;
let http: string;
let browser: Browser;

beforeAll(async () => {
  // Lifecycle events on, so the dashboard's event list has something to show.
  gateway = await startGateway({ config: { lifecycleEvents: true }, pages: true });
  http = gateway.url.replace('ws:', 'http:');
  browser = await launchBrowser();
  // $connect, join, $disconnect and the presence function started, and their connections gone again.
  await warmUp(gateway, 2, uniqueTopic('warm'));
  await waitUntil(async () => (await state()).connections === 0, 'the warm-up connections closed', STATE_MS);
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

/**
 * The state as npm start serves it: the functions run in processes of their own, so the
 * pages read connections and topics from the table (docs/local.md), this runtime's row included.
 */
const tableState = (connections: number, topics: readonly { topic: string; subscribers: number; presence: number }[]) => ({
  scope: 'table',
  connections,
  topics,
  gateways: [{ endpoint: `https://127.0.0.1:${gateway.port}/${gateway.stage}`, connections, self: true }],
  truncated: false,
});

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function openDemo(name: string, viewport = DESKTOP, base = http, room = 'browser'): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${base}/`);
  await joinRoom(page, name, room);
  return page;
}

async function joinRoom(page: Page, name: string, room: string): Promise<void> {
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#join button');
  await page.waitForFunction(`document.getElementById('status').textContent.startsWith('joined demo:${room}')`);
}

/** Names in the presence list, with "(2 tabs)" when a name has two connections. */
const presenceOf = (page: Page) => page.locator('#presence li').allTextContents();
const messageTexts = (page: Page) => page.locator('#messages li.message').evaluateAll((items) => items.map((item) => item.getAttribute('data-text')));
/** Whether the page is wider than its viewport (a horizontal scrollbar on a phone). */
const overflows = (page: Page) => page.evaluate('document.documentElement.scrollWidth > window.innerWidth');

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
    await waitUntil(async () => (await state()).topics.length === 0, 'the closed client left', STATE_MS);

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
    expect(await state()).toEqual(tableState(0, []));
    const ann = await openDemo('ann');
    const ben = await openDemo('ben', PHONE);

    // Act
    await ann.waitForFunction("document.querySelectorAll('#presence li').length === 2");
    await ann.fill('#message', 'hello ben');
    await ann.press('#message', 'Enter');
    await ben.waitForFunction("[...document.querySelectorAll('#messages li.message')].some((li) => li.dataset.text === 'ann: hello ben')");
    await ben.fill('#message', 'hi ann');
    await ben.click('#send button');
    await ann.waitForFunction("[...document.querySelectorAll('#messages li.message')].some((li) => li.dataset.text === 'ben: hi ann')");
    // A bad frame from another client, so the dashboard has a refusal to show
    const raw = await openClient(gateway.url);
    raw.send('not json');
    await raw.nextEvent('phx_reply');
    raw.close();
    await raw.closed;

    // Assess: presence and messages on both pages, the sender's own on its side
    expect(await presenceOf(ann)).toEqual(['ann', 'ben']);
    expect(await presenceOf(ben)).toEqual(['ann', 'ben']);
    expect(await messageTexts(ben)).toEqual(['ann: hello ben', 'ben: hi ann']);
    expect(await ann.locator('#messages li.mine').count()).toBe(1);
    // The join form gave way to the room, on the phone as on the desktop, and nothing scrolls sideways
    for (const page of [ann, ben]) {
      expect(await page.locator('#join').isVisible()).toBe(false);
      expect(await page.locator('#room-title').textContent()).toBe('#browser');
      expect(await overflows(page)).toBe(false);
    }

    // Assess: the state API counts both connections and the topic (once the raw client's $disconnect removed its row)
    await expect.poll(state, { timeout: STATE_MS }).toEqual(tableState(2, [{ topic: 'demo:browser', subscribers: 2, presence: 2 }]));

    // Assess: the dashboard shows the same, the rates, the chart, the refusal and the route log with each frame
    const dashboard = await browser.newPage({ viewport: DESKTOP });
    await dashboard.goto(`${http}/_topicast`);
    await dashboard.waitForFunction("document.getElementById('connections').textContent === '2'");
    expect(await dashboard.locator('#topics tr').first().locator('td').allTextContents()).toEqual(['demo:browser', '2', '2']);
    // The rate counts complete seconds (live-metrics.ts): the deliveries of this very second show at the next refresh.
    await dashboard.waitForFunction("Number(document.getElementById('messages-per-second').textContent) > 0");
    await dashboard.waitForFunction("Number(document.getElementById('chart-deliveries').dataset.max) > 0");
    expect(await dashboard.locator('#chart-connections').getAttribute('data-last')).toBe('2');
    expect(await dashboard.locator('#chart-deliveries polyline').count()).toBe(1);
    expect(await dashboard.locator('#refusals td.reason').allTextContents()).toContain('invalid_frame');
    const frames = await dashboard.locator('#log td.frame').allTextContents();
    // The phoenix client's frames all take the $default route: the frame column says what they were.
    expect(frames).toEqual(expect.arrayContaining(['phoenix join demo:browser', 'phoenix push demo:browser shout', 'refused: invalid_frame']));
    expect(await dashboard.locator('#log tr').filter({ hasText: 'phoenix join demo:browser' }).first().locator('td').nth(1).textContent()).toBe('$default');
    await dashboard.waitForFunction("[...document.querySelectorAll('#events td.event')].some((td) => td.textContent === 'occupied')");
    expect(await dashboard.locator('#events td.event').allTextContents()).toEqual(expect.arrayContaining(['connected', 'joined', 'occupied']));
    const phoneDashboard = await browser.newPage({ viewport: PHONE });
    await phoneDashboard.goto(`${http}/_topicast`);
    await phoneDashboard.waitForFunction("document.getElementById('connections').textContent === '2'");
    expect(await overflows(phoneDashboard)).toBe(false);
    if (SCREENSHOTS) {
      await ann.screenshot({ path: join(SCREENSHOTS, 'local-demo.png') });
      await ben.screenshot({ path: join(SCREENSHOTS, 'local-demo-phone.png') });
      await dashboard.screenshot({ path: join(SCREENSHOTS, 'local-dashboard.png'), fullPage: true });
      await phoneDashboard.screenshot({ path: join(SCREENSHOTS, 'local-dashboard-phone.png') });
    }
    await phoneDashboard.close();

    // Act: one tab closes
    await ben.close();

    // Assess: the other sees it leave, and the dashboard follows
    await ann.waitForFunction("document.querySelectorAll('#presence li').length === 1");
    expect(await presenceOf(ann)).toEqual(['ann']);
    await dashboard.waitForFunction("document.getElementById('connections').textContent === '1'");
    // $disconnect removes the connection's item before its subscriptions: the topic follows.
    await expect.poll(state, { timeout: STATE_MS }).toEqual(tableState(1, [{ topic: 'demo:browser', subscribers: 1, presence: 1 }]));
    await ann.close();
    await dashboard.close();
    await waitUntil(async () => (await state()).connections === 0, 'the tabs closed', STATE_MS);
  });

  it('hides the chat until joined, leaves a room before joining another, and shows one name with two tabs once', async () => {
    // Prepare: a page before joining
    const first = await browser.newPage({ viewport: PHONE });
    await first.goto(`${http}/`);
    expect(await first.locator('#chat').isVisible()).toBe(false);
    expect(await first.locator('#message').isVisible()).toBe(false);
    expect(await overflows(first)).toBe(false);

    // Act: join, leave, join another room
    await joinRoom(first, 'alice', 'one');
    await first.click('#leave');
    expect(await first.locator('#join').isVisible()).toBe(true);
    await joinRoom(first, 'alice', 'two');
    const second = await openDemo('alice', DESKTOP, http, 'two');

    // Assess: only the second room is joined, and alice's two tabs are one member
    await first.waitForFunction("document.querySelector('#presence li')?.textContent === 'alice (2 tabs)'");
    expect(await presenceOf(second)).toEqual(['alice (2 tabs)']);
    await waitUntil(async () => (await state()).topics.length === 1, 'the first room left', STATE_MS);
    expect((await state()).topics).toEqual([{ topic: 'demo:two', subscribers: 2, presence: 2 }]);
    await first.close();
    await second.close();
  });

  it('serves an icon for /favicon.ico instead of the WebSocket-only 426', async () => {
    const icon = await fetch(`${http}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toContain('<svg');
  });

  it('keeps working with channel modules on room:* loaded (the README room.ts that requires a name, and examples/chat)', async () => {
    // Prepare: the README's room.ts, saved as a user would
    const work = mkdtempSync(join(tmpdir(), 'topicast-pages-'));
    const readmeRoom = join(work, 'room.ts');
    writeFileSync(
      readmeRoom,
      `export default {
  topic: 'room:*',
  join(topic: string, params: Record<string, unknown>, socket: { assign(o: object): void }) {
    if (typeof params.name !== 'string') return { error: { reason: 'name_required' } };
    socket.assign({ name: params.name });
    return { ok: { welcome: params.name } };
  },
};
`,
    );
    for (const channels of [[readmeRoom], ['examples/chat/room.ts', 'examples/chat/inbox.ts']]) {
      const withModules = await startGateway({ channels, pages: true });
      try {
        // Act
        const page = await openDemo('carol', PHONE, withModules.url.replace('ws:', 'http:'), 'modules');
        await page.fill('#message', 'still here');
        await page.press('#message', 'Enter');

        // Assess
        await page.waitForFunction("[...document.querySelectorAll('#messages li.message')].some((li) => li.dataset.text === 'carol: still here')");
        expect(await presenceOf(page)).toEqual(['carol']);
        await page.close();
      } finally {
        await withModules.end();
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses other methods on the pages', async () => {
    const response = await fetch(`${http}/_topicast/api/state`, { method: 'POST' });
    expect(response.status).toBe(405);
    await response.arrayBuffer();
  });
});
