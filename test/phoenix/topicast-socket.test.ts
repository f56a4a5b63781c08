/**
 * `topicastSocket` (topicast/client) with the official phoenix client, through what `npm start`
 * runs (the template runtime): heartbeats answered by the MOCK `heartbeat` route (no function runs), a
 * connection heartbeating at the default interval outliving API Gateway's idle timeout,
 * and a blackholed connection noticed within the documented time. The clock is
 * compressed: every interval of the gateway and the client is divided by one factor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { HEARTBEAT_FRAME as CLIENT_HEARTBEAT_FRAME } from '../../client/heartbeat-codec.js';
import { FINAL_CLOSE_CODE as CLIENT_FINAL_CLOSE_CODE, TOPICAST_SOCKET_DEFAULTS, topicastSocket } from '../../client/topicast-socket.js';
import { FINAL_CLOSE_CODE } from '../../lambdas/core/presence-grace.js';
import { API_GATEWAY_LIMITS } from '../../lambdas/core/api-gateway-limits.js';
import { HEARTBEAT_FRAME, HEARTBEAT_REPLY } from '../../lambdas/core/protocol/heartbeat-route.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../support/template-gateway.js';
import { startBlackholeProxy, type BlackholeProxy } from '../support/blackhole-proxy.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A gateway whose request log is kept: one line per function run. */
async function gatewayWithLog(options: GatewayOptions = {}): Promise<{ gateway: RunningGateway; lines: string[] }> {
  const lines: string[] = [];
  const gateway = await startGateway({ write: (line) => lines.push(line), ...options });
  cleanups.push(() => gateway.end());
  return { gateway, lines };
}

function socketFor(url: string, options: Record<string, unknown> = {}): Socket {
  const socket = topicastSocket(Socket as never, `${url}/prod`, { transport: WebSocket, signals: null, reconnectAfterMs: () => 20, rejoinAfterMs: () => 20, ...options }) as unknown as Socket;
  cleanups.push(() => socket.disconnect());
  return socket;
}

function joined(channel: Channel): Promise<unknown> {
  return new Promise((resolve, reject) => {
    channel.join().receive('ok', resolve).receive('error', reject).receive('timeout', () => reject(new Error('join timed out')));
  });
}

function opened(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.onOpen(() => resolve());
    socket.connect();
  });
}

const routeLines = (lines: readonly string[], route: string) => lines.filter((line) => line.startsWith(`${route} `));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the heartbeat route', () => {
  it('is one definition: the client sends the frame the route is declared for', () => {
    expect(CLIENT_HEARTBEAT_FRAME).toBe(HEARTBEAT_FRAME);
    // The client's final close is the one the server's grace period lets through at once.
    expect(CLIENT_FINAL_CLOSE_CODE).toBe(FINAL_CLOSE_CODE);
  });

  it('answers {"action":"heartbeat"} with a fixed reply and runs no function', async () => {
    const { gateway, lines } = await gatewayWithLog();
    const client = new WebSocket(gateway.url);
    cleanups.push(() => void client.terminate());
    await new Promise((resolve) => client.once('open', resolve));
    const replies: string[] = [];
    client.on('message', (data: Buffer) => replies.push(data.toString()));
    for (let i = 0; i < 3; i += 1) client.send(JSON.stringify({ action: 'heartbeat', ref: String(i) }));
    client.send(JSON.stringify({ action: 'ping', ref: 'p' }));
    await expect.poll(() => replies.length).toBe(4);
    expect(replies.filter((reply) => reply === HEARTBEAT_REPLY)).toHaveLength(3);
    expect(JSON.parse(replies.find((reply) => reply !== HEARTBEAT_REPLY) as string)).toMatchObject({ event: 'phx_reply', ref: 'p' });
    // The one ping went to its route's function; the heartbeats went to the heartbeat route, none to $default.
    await expect.poll(() => routeLines(lines, 'ping')).toHaveLength(1);
    expect(routeLines(lines, '$default')).toEqual([]);
    // The runtime prints a request line for every route request, MOCK ones too (API Gateway's
    // access log has them as well); what shows that no function runs is the route the template
    // gives it: a MOCK integration, which the runtime answers from its templates alone.
    expect(routeLines(lines, 'heartbeat')).toHaveLength(3);
    const route = gateway.runtime.app.apis[0]?.routes.find((candidate) => candidate.routeKey === 'heartbeat');
    expect(route).toMatchObject({ functionArn: undefined, mock: expect.any(Object), unsupported: undefined });
  });
});

describe('topicastSocket', () => {
  it('speaks Phoenix V2 for channels and sends its heartbeats (and pings) to the heartbeat route', async () => {
    const { gateway, lines } = await gatewayWithLog();
    const socket = socketFor(gateway.url, { heartbeatIntervalMs: 50 });
    await opened(socket);
    const channel = socket.channel('room:heartbeats', {});
    await joined(channel);
    const echoed = new Promise((resolve) => channel.on('shout', resolve));
    channel.push('shout', { body: 'hi' });
    expect(await echoed).toEqual({ body: 'hi' });
    const latency = await new Promise<number>((resolve) => socket.ping(resolve));
    expect(latency).toBeGreaterThanOrEqual(0);
    await sleep(400); // several heartbeats, each answered in time (else the socket would reconnect)
    expect(socket.isConnected()).toBe(true);
    // The join and the push went to $default (a loaded machine may see phoenix resend one); the heartbeats
    // (one every 50 ms over more than 400 ms, and the ping) to the heartbeat route; the socket never reconnected.
    expect(routeLines(lines, 'heartbeat').length).toBeGreaterThanOrEqual(5);
    expect(routeLines(lines, '$default').length).toBeGreaterThanOrEqual(2);
    expect(routeLines(lines, '$default').length).toBeLessThan(5);
    expect(routeLines(lines, '$connect')).toHaveLength(1);
  });

  it('heartbeating at the default interval, is never closed by the 10-minute idle timeout (clock / 1000)', async () => {
    const scale = 1000;
    const idleMs = (API_GATEWAY_LIMITS.idleSeconds * 1000) / scale;
    const { gateway, lines } = await gatewayWithLog({ idleTimeoutMs: idleMs, maxConnectionMs: (API_GATEWAY_LIMITS.maxConnectionSeconds * 1000) / scale });
    const socket = socketFor(gateway.url, {
      heartbeatIntervalMs: TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs / scale,
      // The early reconnect is another test's; here nothing but idleness could close the connection.
      maxConnectionMs: 0,
    });
    const closes: unknown[] = [];
    socket.onClose((event) => void closes.push(event));
    await opened(socket);
    await joined(socket.channel('room:idle', {}));
    // A silent connection beside it: the gateway does enforce the timeout.
    const silent = new WebSocket(gateway.url);
    cleanups.push(() => void silent.terminate());
    const silentClosed = new Promise<number>((resolve) => silent.once('close', (code: number) => resolve(code)));
    await sleep(10 * idleMs); // 100 minutes at full scale
    expect(await silentClosed).toBe(1001);
    expect(closes).toEqual([]);
    expect(socket.isConnected()).toBe(true);
    // One connection for the socket and one for the silent client: nothing reconnected.
    expect(routeLines(lines, '$connect')).toHaveLength(2);
  });

  it('notices a blackholed connection within heartbeatIntervalMs + heartbeatTimeoutMs, then reconnects and rejoins', async () => {
    const { gateway } = await gatewayWithLog();
    const proxy: BlackholeProxy = await startBlackholeProxy(gateway.port);
    cleanups.push(() => proxy.close());
    const heartbeatIntervalMs = 600;
    const heartbeatTimeoutMs = 150;
    const socket = socketFor(proxy.url, { heartbeatIntervalMs, heartbeatTimeoutMs });
    await opened(socket);
    const channel = socket.channel('room:blackhole', {});
    await joined(channel);
    const rejoined = new Promise<void>((resolve) => {
      let joins = 0;
      channel.on('phx_reply', () => undefined);
      socket.onOpen(() => {
        joins += 1;
        if (joins === 1) channel.push('shout', { after: 'reconnect' }).receive('ok', () => resolve());
      });
    });
    const noticed = new Promise<number>((resolve) => socket.onOpen(() => resolve(performance.now())));
    proxy.blackholeAll();
    const blackholedAt = performance.now();
    const noticedAfter = (await noticed) - blackholedAt;
    // Worst case: the blackhole starts just after an answer; the next heartbeat goes out one interval later and waits its timeout.
    // (Plus the reconnect itself: a handshake through the proxy, a few ms.)
    expect(noticedAfter).toBeLessThan(heartbeatIntervalMs + heartbeatTimeoutMs + 250);
    await rejoined;
  });
});
