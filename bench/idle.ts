/**
 * `npm run bench:idle`: what an idle connection costs a month, measured. N members sit in
 * one presence room through the local gateway and do nothing but stay connected, with the
 * clock compressed: API Gateway's idle timeout and 2-hour cap, the presence window and the
 * clients' heartbeat and reconnect intervals are all divided by one factor per kind of client
 * (DEFAULT_SCALES, or BENCH_IDLE_SCALE for all). Latencies are not compressed, so neither are
 * the answer timeouts and the presence grace period, which exist to cover them. Side by side,
 * each on a gateway of its own:
 *
 *   - phoenix_default: the `phoenix` client as it comes (a heartbeat every 30 s, to `$default`);
 *   - topicast_default: `topicastSocket` from topicast/client at its defaults;
 *   - native_ping: a native client that pings the `ping` route every 5 minutes and rejoins after a close.
 *
 * Connections start spread over one cap period, so that reconnects are spread as they are in
 * a steady state; then everything that really happens during the next half period is counted:
 * frames each way (API Gateway messages, in 32 KB units) and presence frames, seen by the
 * clients; function invocations and their durations, and DynamoDB requests and units, seen
 * by the gateway process (bench/idle-child.ts). A month is 43,200 minutes at the prices of
 * bench/cost.ts. Then clients of each kind are blackholed (a TCP proxy stops passing bytes),
 * all at once on one more gateway whose clock is divided by DETECTION_SCALE, and the time
 * until each client gives its connection up, and until the gateway does, is measured.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { apiGatewayTransport } from '../client/phoenix-transport.js';
import { TOPICAST_SOCKET_DEFAULTS, topicastSocket } from '../client/topicast-socket.js';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import { PRICES, round } from './cost.js';
import type { IdleChildMessage, IdleCounters, IdleParentMessage } from './idle-child.js';
import { startBlackholeProxy } from '../test/support/blackhole-proxy.js';
import { forkChild } from './ws-clients.js';

export const IDLE_SCENARIOS = ['phoenix_default', 'topicast_default', 'native_ping'] as const;
export type IdleScenario = (typeof IDLE_SCENARIOS)[number];

const MONTH_MINUTES = 43_200;
const TOPIC = 'room:idle';
/** Phoenix's own default (phoenix/assets/js/phoenix/socket.js). */
const PHOENIX_HEARTBEAT_MS = 30_000;
const NATIVE_PING_MS = TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs;
const API_GATEWAY_UNIT_BYTES = 32 * 1024;
/** Requests per presence grace timer (one message): its send, the receive that hands it to the function, its delete. */
const SQS_REQUESTS_PER_TIMER = 3;

export interface IdleOptions {
  readonly members: number;
  readonly scale: number;
}

/**
 * The factor each kind of client's clock is divided by: one factor per kind for everything
 * (heartbeats, the cap, the idle timeout, the presence window, reconnect margins). Chosen
 * so that the shortest interval stays well above a local round trip (phoenix's 30 s
 * heartbeat becomes 1 s: phoenix waits one interval for an answer, so a shorter one on a busy
 * machine replaces healthy connections), and so that a room's reconnect churn (each reconnect a leave
 * and a join posted to 199 others) stays within what one local gateway posts per second.
 */
export const DEFAULT_SCALES: Record<IdleScenario, number> = { phoenix_default: 30, topicast_default: 120, native_ping: 120 };

/**
 * The part of a cap period counted, once the members' connections are spread over one: the
 * reconnects are then spread evenly, and half a period sees half the members reconnect once.
 */
const COUNTED_CAP_FRACTION = 0.5;

/**
 * An answer timeout is a round trip's latency, which the compressed clock does not compress:
 * on this busy machine a frame may take a second, and a timeout divided by 120 (83 ms) would
 * replace healthy connections. The detection runs use the exact value (their factor keeps it at 500 ms).
 */
const MIN_ANSWER_TIMEOUT_MS = 2000;

/**
 * The clock factor of the detection runs. An answer timeout (10 s) divided by it must stay
 * well above a round trip on a busy machine (500 ms here), so that what is measured is the
 * client's settings and not this machine's latency: every interval is then divided by the
 * same factor, and a measured time times the factor is the real one.
 */
export const DETECTION_SCALE = 20;
const DETECTION_SAMPLES = 4;

export interface DetectionResult {
  /** Real seconds (measured × the clock factor) from the blackhole until the client gave its connection up, one per sample. */
  readonly client_s: readonly (number | null)[];
  /** Worst and mean of the samples; null when a client never noticed within twice its bound. */
  readonly client_s_max: number | null;
  readonly client_s_mean: number | null;
  /** The bound the client's settings give: the blackhole starts just after an answer. */
  readonly client_bound_s: number;
  /** Real seconds until the gateway gave the dead connection up (API Gateway's idle timeout: its close frame, then `$disconnect`), worst of the samples. */
  readonly server_s_max: number | null;
  /** API Gateway's idle timeout: this long after the last frame in either direction (frames posted after the blackhole count). */
  readonly server_bound_s: number;
  readonly samples: number;
  readonly scale: number;
}

export interface IdleScenarioResult {
  readonly members: number;
  readonly scale: number;
  /** Frames the phoenix client could not decode (API Gateway's own error frames, `{"message": ...}`). */
  readonly client_errors: number;
  readonly simulated_minutes: number;
  readonly usd_per_connection_month: number;
  /** Per connection and month. */
  readonly per_connection_month: {
    readonly messages_in: number;
    readonly messages_out: number;
    readonly presence_frames: number;
    readonly heartbeat_frames: number;
    readonly connects: number;
    readonly invocations: Record<string, number>;
    readonly read_units: number;
    readonly write_units: number;
  };
  readonly usd_breakdown: {
    readonly connection_minutes: number;
    readonly heartbeat_messages: number;
    readonly presence_messages: number;
    readonly other_messages: number;
    readonly lambda_requests: number;
    readonly lambda_compute: number;
    readonly dynamodb: number;
    readonly sqs: number;
  };
}

export interface IdleResults {
  readonly scales: Record<IdleScenario, number>;
  readonly members: number;
  readonly scenarios: Record<IdleScenario, IdleScenarioResult>;
  readonly detection: Record<IdleScenario, DetectionResult>;
}

// ---------------------------------------------------------------------------------------
// What the clients see

class ClientCounters {
  public counting = false;
  public messagesIn = 0;
  public messagesOut = 0;
  public heartbeatFrames = 0;
  public presenceFrames = 0;
  public connects = 0;
  public connectedMs = 0;
  private windowStart = 0;
  private readonly openSince = new Map<object, number>();

  public start(): void {
    this.counting = true;
    this.windowStart = Date.now();
  }

  /** Ends the window: open connections count up to now. */
  public stop(): void {
    const now = Date.now();
    for (const since of this.openSince.values()) this.connectedMs += now - Math.max(since, this.windowStart);
    this.counting = false;
  }

  public opened(socket: object): void {
    this.openSince.set(socket, Date.now());
    if (this.counting) this.connects += 1;
  }

  public closed(socket: object): void {
    const since = this.openSince.get(socket);
    this.openSince.delete(socket);
    if (since !== undefined && this.counting) this.connectedMs += Date.now() - Math.max(since, this.windowStart);
  }

  public sent(data: unknown): void {
    if (!this.counting) return;
    this.messagesIn += units(data);
    if (isHeartbeat(String(data))) this.heartbeatFrames += 1;
  }

  public received(data: unknown): void {
    if (!this.counting) return;
    this.messagesOut += units(data);
    const text = String(data);
    if (text.includes('"presence_')) this.presenceFrames += 1;
    else if (isHeartbeatReply(text)) this.heartbeatFrames += 1;
  }
}

const units = (data: unknown) => Math.max(1, Math.ceil(Buffer.byteLength(String(data)) / API_GATEWAY_UNIT_BYTES));
const isHeartbeat = (text: string) => text.includes('"heartbeat"') || text.includes('"action":"ping"');
const isHeartbeatReply = (text: string) => text.startsWith('{"topic":null,"event":"phx_reply"') || text.includes('"phoenix","phx_reply"');

/** `ws` counted: every frame each way, every connection's open time. */
function countingWebSocket(counters: ClientCounters): typeof WebSocket {
  const Counting = class CountingWebSocket extends WebSocket {
    public constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { perMessageDeflate: false });
      this.addEventListener('open', () => counters.opened(this));
      this.addEventListener('close', () => counters.closed(this));
      this.addEventListener('message', (event) => counters.received(event.data));
      this.on('error', () => undefined);
    }

    public override send(data: unknown, ...rest: unknown[]): void {
      counters.sent(data);
      (WebSocket.prototype.send as (...args: unknown[]) => void).call(this, data, ...rest);
    }
  };
  return Counting as unknown as typeof WebSocket;
}

// ---------------------------------------------------------------------------------------
// The three kinds of client

interface IdleClient {
  stop(): void;
}

/** Where a client connects, as whom, with which WebSocket class and clock. */
interface ClientSetup {
  readonly url: string;
  readonly name: string;
  readonly ws: typeof WebSocket;
  readonly scale: number;
  readonly topic: string;
  /** How long topicastSocket and the native client wait for a heartbeat's answer, in real ms. */
  readonly answerTimeoutMs: number;
}

function phoenixClient({ url, name, ws, scale, topic }: ClientSetup): IdleClient {
  const socket = new Socket(`${url}/prod`, { transport: apiGatewayTransport(ws) as never, heartbeatIntervalMs: PHOENIX_HEARTBEAT_MS / scale });
  return joinOver(socket, name, topic);
}

function joinOver(socket: Socket, name: string, topic: string): IdleClient {
  socket.connect();
  socket.channel(topic, { meta: { name } }).join();
  return { stop: () => socket.disconnect() };
}

function topicastClient({ url, name, ws, scale, topic, answerTimeoutMs }: ClientSetup): IdleClient {
  const socket = topicastSocket(Socket as never, `${url}/prod`, {
    transport: ws,
    signals: null,
    heartbeatIntervalMs: TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs / scale,
    heartbeatTimeoutMs: answerTimeoutMs,
    maxConnectionMs: TOPICAST_SOCKET_DEFAULTS.maxConnectionMs / scale,
    reconnectMarginMs: TOPICAST_SOCKET_DEFAULTS.reconnectMarginMs / scale,
    reconnectJitterMs: TOPICAST_SOCKET_DEFAULTS.reconnectJitterMs / scale,
  }) as unknown as Socket;
  return joinOver(socket, name, topic);
}

/** A native client as one would write it: join, ping every interval, reconnect and rejoin after a close or an unanswered ping. */
function nativeClient({ url, name, ws, scale, topic, answerTimeoutMs }: ClientSetup): IdleClient {
  let stopped = false;
  let socket: WebSocket | undefined;
  const intervalMs = NATIVE_PING_MS / scale;
  const connect = () => {
    if (stopped) return;
    const current = new ws(url);
    socket = current;
    // A close before the handshake ends (stop() during a reconnect) is an 'error' event: without a listener, an uncaught exception.
    current.on('error', () => undefined);
    let pingTimer: NodeJS.Timeout | undefined;
    let answerTimer: NodeJS.Timeout | undefined;
    let ref = 0;
    const ping = () => {
      ref += 1;
      current.send(JSON.stringify({ action: 'ping', ref: `p${ref}` }));
      answerTimer = setTimeout(() => current.terminate(), answerTimeoutMs);
    };
    current.on('open', () => {
      current.send(JSON.stringify({ action: 'join', topic, payload: { meta: { name } }, ref: 'j' }));
      pingTimer = setTimeout(ping, intervalMs);
    });
    current.on('message', (data: Buffer) => {
      if (!data.toString().includes('"ref":"p')) return;
      clearTimeout(answerTimer);
      pingTimer = setTimeout(ping, intervalMs);
    });
    current.on('close', () => {
      clearTimeout(pingTimer);
      clearTimeout(answerTimer);
      setTimeout(connect, 10);
    });
  };
  connect();
  return {
    stop() {
      stopped = true;
      socket?.close();
    },
  };
}

const CLIENTS: Record<IdleScenario, (setup: ClientSetup) => IdleClient> = {
  phoenix_default: phoenixClient,
  topicast_default: topicastClient,
  native_ping: nativeClient,
};

/** Worst case of each client's detection, from its settings (full-scale ms): the blackhole starts just after an answer. */
const DETECTION_BOUND_MS: Record<IdleScenario, number> = {
  // Phoenix sends the next heartbeat one interval after the last answer, and waits one interval for its answer.
  phoenix_default: 2 * PHOENIX_HEARTBEAT_MS,
  topicast_default: TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs + TOPICAST_SOCKET_DEFAULTS.heartbeatTimeoutMs,
  native_ping: NATIVE_PING_MS + TOPICAST_SOCKET_DEFAULTS.heartbeatTimeoutMs,
};

// ---------------------------------------------------------------------------------------

function ask(child: ChildProcess, message: IdleParentMessage): Promise<IdleCounters> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve((reply as Extract<IdleChildMessage, { type: 'counters' }>).counters));
    child.send(message);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the gateway has run every `$disconnect` of the clients just stopped. */
async function settled(child: ChildProcess): Promise<void> {
  let seen = -1;
  for (;;) {
    const { disconnects } = await ask(child, { type: 'read' });
    if (disconnects.length === seen) return;
    seen = disconnects.length;
    await sleep(1000);
  }
}

/**
 * The phoenix client throws on a frame that is not a V2 array: API Gateway's own
 * `{"message":"Internal server error",...}`, sent when a function failed (here: timed out on
 * a loaded machine). A browser only logs it; in Node it is an uncaught exception. Counted.
 */
let clientErrors = 0;
function countClientErrors(error: Error): void {
  // V8 words it "object is not iterable" or "undefined is not a function"; the stack says where.
  if (error instanceof TypeError && /phoenix[\\/].*serializer\.js/.test(error.stack ?? '')) {
    clientErrors += 1;
    return;
  }
  throw error;
}

async function runScenario(scenario: IdleScenario, options: IdleOptions, log: (line: string) => void): Promise<IdleScenarioResult> {
  const { members, scale } = options;
  clientErrors = 0;
  process.on('uncaughtException', countClientErrors);
  const capMs = (API_GATEWAY_LIMITS.maxConnectionSeconds * 1000) / scale;
  const { child, ready } = await forkChild<Extract<IdleChildMessage, { type: 'ready' }>>('idle-child.ts', [String(scale)]);
  const counters = new ClientCounters();
  const ws = countingWebSocket(counters);
  const clients: IdleClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    // Spread over one cap period: from then on, reconnects are spread as in a steady state.
    for (let i = 0; i < members; i += 1) {
      const answerTimeoutMs = Math.max(MIN_ANSWER_TIMEOUT_MS, TOPICAST_SOCKET_DEFAULTS.heartbeatTimeoutMs / scale);
      timers.push(setTimeout(() => clients.push(CLIENTS[scenario]({ url: ready.url, name: `m${i}`, ws, scale, topic: TOPIC, answerTimeoutMs })), (i * capMs) / members));
    }
    await sleep(capMs);
    await ask(child, { type: 'reset' });
    counters.start();
    const windowMs = capMs * COUNTED_CAP_FRACTION;
    await sleep(windowMs);
    counters.stop();
    const server = await ask(child, { type: 'read' });
    for (const client of clients.splice(0)) client.stop();
    await settled(child);
    const result = price(options, counters, server, windowMs);
    log(
      `${scenario.padEnd(16)} $${result.usd_per_connection_month.toFixed(4)}/connection-month: ${Math.round(result.per_connection_month.messages_in)} in + ${Math.round(result.per_connection_month.messages_out)} out messages ` +
        `(${Math.round(result.per_connection_month.presence_frames)} presence), ${Math.round(result.per_connection_month.connects)} connects, ` +
        `invocations ${JSON.stringify(result.per_connection_month.invocations)}, client errors ${result.client_errors}`,
    );
    return result;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const client of clients) client.stop();
    await sleep(200);
    child.kill('SIGKILL');
    process.off('uncaughtException', countClientErrors);
  }
}

/** `ws` that notes when the client itself gives a connection up (close or terminate): phoenix, topicastSocket and the native client all do one or the other. */
function watchedWebSocket(opened: WatchedSocket[]): typeof WebSocket {
  const Watched = class WatchedWebSocket extends WebSocket {
    public givenUpAt: number | undefined;
    public constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { perMessageDeflate: false });
      this.on('error', () => undefined);
      opened.push(this);
    }

    public override close(...args: unknown[]): void {
      this.givenUpAt ??= Date.now();
      (WebSocket.prototype.close as (...a: unknown[]) => void).apply(this, args);
    }

    public override terminate(): void {
      this.givenUpAt ??= Date.now();
      super.terminate();
    }
  };
  return Watched as unknown as typeof WebSocket;
}

type WatchedSocket = WebSocket & { givenUpAt?: number };

/** Polls `value` every 20 ms until it is defined or `ms` have passed. */
async function waitFor<T>(value: () => T | undefined, ms: number): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const found = value();
    if (found !== undefined || Date.now() >= until) return found;
    await sleep(20);
  }
}

/**
 * One blackholed client: connected and joined through its own proxy, left alone for a random
 * part of its heartbeat cycle, then blackholed. The client noticed when it closed (or
 * terminated) the connection that was open then; the gateway, when its close frame went out
 * on it (its idle timeout; `$disconnect` follows at once on API Gateway). Real milliseconds.
 */
async function blackholeOnce(scenario: IdleScenario, port: number, sample: number): Promise<{ clientMs: number | undefined; serverMs: number | undefined }> {
  const scale = DETECTION_SCALE;
  const proxy = await startBlackholeProxy(port);
  const sockets: WatchedSocket[] = [];
  const boundMs = DETECTION_BOUND_MS[scenario] / scale;
  const intervalMs = (scenario === 'phoenix_default' ? PHOENIX_HEARTBEAT_MS : TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs) / scale;
  const client = CLIENTS[scenario]({
    url: proxy.url,
    name: `d${sample}`,
    ws: watchedWebSocket(sockets),
    scale,
    topic: `room:detect-${scenario}-${sample}`,
    answerTimeoutMs: TOPICAST_SOCKET_DEFAULTS.heartbeatTimeoutMs / scale,
  });
  try {
    await waitFor(() => (sockets[0]?.readyState === WebSocket.OPEN ? true : undefined), 10_000);
    // Joined and settled, then somewhere in the heartbeat cycle.
    await sleep(300 + Math.random() * intervalMs);
    const dead = sockets.filter((socket) => socket.readyState === WebSocket.OPEN);
    proxy.blackholeAll();
    const at = Date.now();
    const givenUp = await waitFor(() => dead.find((socket) => socket.givenUpAt !== undefined)?.givenUpAt, 2 * boundMs + 2000);
    // The gateway's idle timeout runs from the last frame either way, and frames posted to the dead
    // connection after the blackhole count (the presence join of its own replacement, for a client
    // that rejoins as a new member): up to one client bound later.
    const idleMs = (API_GATEWAY_LIMITS.idleSeconds * 1000) / scale;
    const serverClosed = await waitFor(() => proxy.serverClosedAt()[0], Math.max(0, at + idleMs + 2 * boundMs + 5000 - Date.now()));
    return { clientMs: givenUp === undefined ? undefined : givenUp - at, serverMs: serverClosed === undefined ? undefined : serverClosed - at };
  } finally {
    client.stop();
    await sleep(100);
    await proxy.close();
  }
}

/**
 * Dead-connection detection of every kind of client, on one gateway whose clock is divided by
 * DETECTION_SCALE: DETECTION_SAMPLES clients of each kind, each on a topic of its own (a
 * reconnecting neighbour's presence frames would otherwise reset the gateway's idle timer of
 * the dead connection), all at once.
 */
export async function measureDetection(log: (line: string) => void = () => undefined): Promise<Record<IdleScenario, DetectionResult>> {
  const scale = DETECTION_SCALE;
  const { child, ready } = await forkChild<Extract<IdleChildMessage, { type: 'ready' }>>('idle-child.ts', [String(scale)]);
  try {
    const runs = await Promise.all(
      IDLE_SCENARIOS.map(async (scenario) => [scenario, await Promise.all(Array.from({ length: DETECTION_SAMPLES }, (_, i) => blackholeOnce(scenario, ready.port, i)))] as const),
    );
    const toS = (ms: number | undefined) => (ms === undefined ? null : round((ms * scale) / 1000));
    const result = Object.fromEntries(
      runs.map(([scenario, samples]) => {
        const client = samples.map((sample) => toS(sample.clientMs));
        const server = samples.map((sample) => toS(sample.serverMs));
        const noticed = client.filter((value): value is number => value !== null);
        const detection: DetectionResult = {
          client_s: client,
          client_s_max: noticed.length === samples.length ? Math.max(...noticed) : null,
          client_s_mean: noticed.length > 0 ? round(noticed.reduce((a, b) => a + b, 0) / noticed.length) : null,
          client_bound_s: round(DETECTION_BOUND_MS[scenario] / 1000),
          server_s_max: server.every((value) => value !== null) ? Math.max(...(server as number[])) : null,
          server_bound_s: API_GATEWAY_LIMITS.idleSeconds,
          samples: samples.length,
          scale,
        };
        log(
          `${scenario.padEnd(16)} dead connection noticed by the client in ${client.map((value) => value ?? 'never').join(', ')} s (worst ${detection.client_s_max ?? 'never'}, bound ${detection.client_bound_s} s); ` +
            `by the gateway in ≤ ${detection.server_s_max ?? 'never'} s (bound ${detection.server_bound_s} s); clock / ${scale}`,
        );
        return [scenario, detection];
      }),
    ) as Record<IdleScenario, DetectionResult>;
    return result;
  } finally {
    child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------
// A month, priced

function price(options: IdleOptions, counters: ClientCounters, server: IdleCounters, windowMs: number): IdleScenarioResult {
  const { members, scale } = options;
  const simulatedMinutes = (windowMs * scale) / 60_000;
  // Per connection and month.
  const perMonth = (value: number) => (value * (MONTH_MINUTES / simulatedMinutes)) / members;
  const invocations = Object.fromEntries(Object.entries(server.invocations).map(([fn, { count }]) => [fn, round(perMonth(count))]));
  const lambdaRequests = perMonth(Object.values(server.invocations).reduce((sum, { count }) => sum + count, 0));
  const gbSeconds = perMonth(Object.values(server.invocations).reduce((sum, { billedMs, memoryMb }) => sum + (billedMs / 1000) * (memoryMb / 1024), 0));
  const messagesIn = perMonth(counters.messagesIn);
  const messagesOut = perMonth(counters.messagesOut);
  const presenceFrames = perMonth(counters.presenceFrames);
  const heartbeatFrames = perMonth(counters.heartbeatFrames);
  const connectionMinutes = perMonth((counters.connectedMs * scale) / 60_000);
  const readUnits = perMonth(server.dynamo.readUnits);
  const writeUnits = perMonth(server.dynamo.writeUnits);
  const breakdown = {
    connection_minutes: connectionMinutes * PRICES.apiGatewayConnectionMinute,
    heartbeat_messages: heartbeatFrames * PRICES.apiGatewayMessage,
    presence_messages: presenceFrames * PRICES.apiGatewayMessage,
    other_messages: (messagesIn + messagesOut - heartbeatFrames - presenceFrames) * PRICES.apiGatewayMessage,
    lambda_requests: lambdaRequests * PRICES.lambdaRequest,
    lambda_compute: gbSeconds * PRICES.lambdaArmGbSecond,
    dynamodb: readUnits * PRICES.dynamoReadUnit + writeUnits * PRICES.dynamoWriteUnit,
    // One grace timer per held row: SendMessage, the event source mapping's ReceiveMessage, DeleteMessage.
    sqs: perMonth(server.invocations['presence-grace']?.count ?? 0) * SQS_REQUESTS_PER_TIMER * PRICES.sqsRequest,
  };
  const total = Object.values(breakdown).reduce((sum, value) => sum + value, 0);
  return {
    members,
    scale,
    client_errors: clientErrors,
    simulated_minutes: round(simulatedMinutes),
    usd_per_connection_month: round(total),
    per_connection_month: {
      messages_in: round(messagesIn),
      messages_out: round(messagesOut),
      presence_frames: round(presenceFrames),
      heartbeat_frames: round(heartbeatFrames),
      connects: round(perMonth(counters.connects)),
      invocations,
      read_units: round(readUnits),
      write_units: round(writeUnits),
    },
    usd_breakdown: Object.fromEntries(Object.entries(breakdown).map(([key, value]) => [key, round(value)])) as IdleScenarioResult['usd_breakdown'],
  };
}

export async function measureIdle(options: { members?: number; scale?: number } = {}, log: (line: string) => void = () => undefined): Promise<IdleResults> {
  const members = options.members ?? Number(process.env.BENCH_IDLE_MEMBERS ?? 200);
  const forced = options.scale ?? (process.env.BENCH_IDLE_SCALE ? Number(process.env.BENCH_IDLE_SCALE) : undefined);
  const scales = Object.fromEntries(IDLE_SCENARIOS.map((scenario) => [scenario, forced ?? DEFAULT_SCALES[scenario]])) as Record<IdleScenario, number>;
  // One after the other: three rooms of 200 at once would measure this machine's load, not topicast.
  const scenarios = {} as Record<IdleScenario, IdleScenarioResult>;
  for (const scenario of IDLE_SCENARIOS) {
    const scale = scales[scenario];
    log(`${scenario}: ${members} members of one presence room, clock / ${scale} (2 hours in ${(7200 / scale).toFixed(0)} s), spread over one cap period, then ${COUNTED_CAP_FRACTION} of one counted`);
    scenarios[scenario] = await runScenario(scenario, { members, scale }, log);
  }
  log(`dead-connection detection: ${DETECTION_SAMPLES} clients of each kind blackholed at random points of their heartbeat cycle, clock / ${DETECTION_SCALE}`);
  const detection = await measureDetection(log);
  return { scales, members, scenarios, detection };
}

/** The figures `npm run bench` keeps in bench/results/latest.json. */
export function idleSummary(results: IdleResults): Record<IdleScenario, number> {
  return Object.fromEntries(IDLE_SCENARIOS.map((scenario) => [scenario, results.scenarios[scenario].usd_per_connection_month])) as Record<IdleScenario, number>;
}

export function writeIdleResults(results: IdleResults, latestPath: string): void {
  const latest = JSON.parse(readFileSync(latestPath, 'utf8')) as Record<string, unknown>;
  latest.idle_usd_per_connection_month = idleSummary(results);
  latest.idle = results;
  writeFileSync(latestPath, `${JSON.stringify(latest, null, 2)}\n`);
}

const DOC_START = '<!-- idle-bench:start -->';
const DOC_END = '<!-- idle-bench:end -->';
const LABELS: Record<IdleScenario, string> = {
  phoenix_default: '`phoenix` client, defaults (30 s heartbeat to `$default`)',
  topicast_default: '`topicastSocket` defaults (5 min heartbeat to the MOCK route)',
  native_ping: 'native client, `ping` route every 5 min',
};

const money = (value: number) => `$${value < 0.01 ? value.toFixed(4) : value.toFixed(3)}`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (value: number | null) => (value === null ? 'not within twice the bound' : `${Math.round(value)} s`);

export function renderIdleMarkdown(results: IdleResults): string {
  const rows = IDLE_SCENARIOS.map((scenario) => {
    const r = results.scenarios[scenario];
    const d = results.detection[scenario];
    const m = r.per_connection_month;
    const lambda = Object.values(m.invocations).reduce((sum, value) => sum + value, 0);
    return (
      `| ${LABELS[scenario]} | **${money(r.usd_per_connection_month)}** | ${count(m.messages_in)} / ${count(m.messages_out)} | ${count(m.heartbeat_frames)} / ${count(m.presence_frames)} | ` +
      `${count(m.connects)} | ${count(lambda)} | ${count(m.read_units)} / ${count(m.write_units)} | ${seconds(d.client_s_max)} (mean ${seconds(d.client_s_mean)}; bound ${d.client_bound_s} s) | ${seconds(d.server_s_max)} (bound ${d.server_bound_s} s) | 1/${r.scale} |`
    );
  });
  const breakdown = IDLE_SCENARIOS.map((scenario) => {
    const b = results.scenarios[scenario].usd_breakdown;
    return `| ${scenario} | ${money(b.connection_minutes)} | ${money(b.heartbeat_messages)} | ${money(b.presence_messages)} | ${money(b.other_messages)} | ${money(b.lambda_requests)} | ${money(b.lambda_compute)} | ${money(b.dynamodb)} | ${money(b.sqs)} |`;
  });
  const errors = IDLE_SCENARIOS.filter((scenario) => results.scenarios[scenario].client_errors > 0).map((scenario) => `${scenario}: ${results.scenarios[scenario].client_errors}`);
  return [
    `One idle member of a ${results.members}-member presence room, per month (43,200 minutes), from one run of \`npm run bench:idle\` (${new Date().toISOString().slice(0, 10)}); raw figures in \`bench/results/latest.json\` (\`idle\`).`,
    '',
    `| client | per connection-month | messages in / out | heartbeat / presence frames | connects | Lambda invocations | DynamoDB read / write units | dead connection noticed by the client (worst of ${DETECTION_SAMPLES}) | by the gateway (worst) | clock |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '| USD per connection-month | connection minutes | heartbeats and answers | presence frames | other messages (joins, replies, state) | Lambda requests | Lambda compute | DynamoDB | SQS (grace timers) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...breakdown,
    ...(errors.length > 0 ? ['', `Frames the phoenix client could not decode (API Gateway's error frame after a function failed on this busy machine): ${errors.join(', ')}.`] : []),
  ].join('\n');
}

export function writeIdleDocs(results: IdleResults, docPath: string): void {
  const doc = readFileSync(docPath, 'utf8');
  const start = doc.indexOf(DOC_START);
  const end = doc.indexOf(DOC_END);
  if (start < 0 || end < start) throw new Error(`${docPath} needs the markers ${DOC_START} and ${DOC_END}`);
  writeFileSync(docPath, `${doc.slice(0, start + DOC_START.length)}\n${renderIdleMarkdown(results)}\n${doc.slice(end)}`);
}

if (process.argv[1]?.endsWith('idle.ts')) {
  const started = performance.now();
  const results = await measureIdle({}, (line) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`));
  writeIdleResults(results, fileURLToPath(new URL('results/latest.json', import.meta.url)));
  writeIdleDocs(results, fileURLToPath(new URL('../docs/performance.md', import.meta.url)));
  process.stdout.write(`${renderIdleMarkdown(results)}\n${JSON.stringify(idleSummary(results))}\nwrote bench/results/latest.json (idle_usd_per_connection_month, idle) and docs/performance.md\n`);
  process.exit(0);
}
