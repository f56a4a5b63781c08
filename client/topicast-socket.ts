/**
 * A phoenix `Socket` made for API Gateway: what `topicastSocket(Socket, url)` adds to the
 * one `new Socket(url)` makes.
 *
 * - **Heartbeats sized for API Gateway.** Phoenix sends one every 30 s: on API Gateway each
 *   is two billed messages and a Lambda run, $0.19 a month per idle connection. API Gateway
 *   closes a connection after 10 idle minutes, so one every 5 minutes keeps it open with
 *   room for a late timer (browsers delay the timers of hidden tabs by up to a minute), and
 *   goes to the `heartbeat` route that API Gateway answers itself (heartbeat-codec.ts).
 * - **Dead connections noticed sooner.** An unanswered heartbeat is given
 *   `heartbeatTimeoutMs` (10 s), not a whole interval; and the browser's signals (`online`,
 *   `offline`, the page shown again) and a push that timed out send a heartbeat at once. A
 *   connection that does not answer is replaced: the channels rejoin by themselves.
 * - **The 2-hour cap without a gap.** API Gateway closes every connection after 2 hours; the
 *   socket reconnects shortly before that (at a random point of the last few minutes, so
 *   clients that connected together do not all reconnect together), and channels whose
 *   join params come from a `SeqTracker` catch up through history.
 *
 *   import { Socket } from 'phoenix';
 *   import { topicastSocket } from 'topicast/client';
 *   const socket = topicastSocket(Socket, 'wss://abc.execute-api.eu-west-1.amazonaws.com/prod', { transport: WebSocket, authToken });
 *   socket.connect();
 *
 * The phoenix package is the caller's: this module takes its `Socket` class and imports
 * nothing, so it works with the phoenix version the application has (1.8 or newer).
 */
import { createHeartbeatCodec } from './heartbeat-codec.js';
import { apiGatewayTransport } from './phoenix-transport.js';

/** The parts of phoenix's `Push` used here. */
export interface PushLike {
  receive(status: string, callback: (response?: unknown) => void): PushLike;
}

/** The parts of phoenix's `Channel` used here. */
export interface ChannelLike {
  push(event: string, payload: object, timeout?: number): PushLike;
}

/** The parts of phoenix's `Socket` used here. */
export interface SocketLike {
  connect(): void;
  disconnect(callback?: () => void, code?: number, reason?: string): void;
  isConnected(): boolean;
  ping(callback: (latency: number) => void): boolean;
  onOpen(callback: () => void): unknown;
  onClose(callback: (event: unknown) => void): unknown;
  channel(topic: string, params?: object | (() => object)): ChannelLike;
}

type SocketClass<S extends SocketLike> = new (endPoint: string, options?: Record<string, unknown>) => S;

/** Where the browser's signals come from (`window`); absent in Node. */
export interface SignalSource {
  addEventListener(type: string, listener: () => void): void;
  readonly document?: { readonly visibilityState?: string; addEventListener?(type: string, listener: () => void): void };
}

export const TOPICAST_SOCKET_DEFAULTS = {
  /** 5 min: half of API Gateway's 10-minute idle timeout; a throttled timer or one lost heartbeat stays inside it. */
  heartbeatIntervalMs: 300_000,
  /** How long a heartbeat may wait for its answer before the connection is replaced (phoenix's push timeout). */
  heartbeatTimeoutMs: 10_000,
  /** API Gateway's maximum connection duration. */
  maxConnectionMs: 7_200_000,
  /** The reconnect happens this long before the cap at the latest... */
  reconnectMarginMs: 60_000,
  /** ...and up to this much earlier again, at random. */
  reconnectJitterMs: 240_000,
} as const;

/** The close code of a connection the client replaces on purpose (the cap, a heartbeat without answer): its member's presence is held for the rejoin. */
export const RECONNECT_CLOSE_CODE = 4000;

/** The close code of `disconnect()` called by the application: the member leaves, and its presence leaves at once. */
export const FINAL_CLOSE_CODE = 4001;

export interface TopicastSocketOptions {
  /** The WebSocket class: the browser's `WebSocket`, or `ws` in Node. It is wrapped with `apiGatewayTransport`. */
  readonly transport: new (url: string | URL, protocols?: string | string[]) => object;
  /** @default 300000 (5 min) */
  readonly heartbeatIntervalMs?: number;
  /** @default 10000 */
  readonly heartbeatTimeoutMs?: number;
  /** API Gateway's cap; 0 turns the early reconnect off. @default 7200000 (2 h) */
  readonly maxConnectionMs?: number;
  /** @default 60000 */
  readonly reconnectMarginMs?: number;
  /** @default 240000 */
  readonly reconnectJitterMs?: number;
  /** `online`, `offline` and `visibilitychange` come from here. @default globalThis.window when there is one */
  readonly signals?: SignalSource | null;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * Who this socket is to presence, across its reconnects: sent as `member` in every join,
   * so the server gives a rejoin the same presence key and `phx_ref` and the other members
   * see no leave and join (docs/phoenix.md). Secret (only a hash of it is shown). Null: none.
   * @default a random id per socket (per tab)
   */
  readonly member?: string | null;
  /** Any other phoenix `Socket` option (authToken, params, logger, reconnectAfterMs, timeout, ...). */
  readonly [option: string]: unknown;
}

export function topicastSocket<S extends SocketLike>(Socket: SocketClass<S>, url: string, options: TopicastSocketOptions): S {
  const {
    transport,
    heartbeatIntervalMs = TOPICAST_SOCKET_DEFAULTS.heartbeatIntervalMs,
    heartbeatTimeoutMs = TOPICAST_SOCKET_DEFAULTS.heartbeatTimeoutMs,
    maxConnectionMs = TOPICAST_SOCKET_DEFAULTS.maxConnectionMs,
    reconnectMarginMs = TOPICAST_SOCKET_DEFAULTS.reconnectMarginMs,
    reconnectJitterMs = TOPICAST_SOCKET_DEFAULTS.reconnectJitterMs,
    signals = defaultSignals(),
    random = Math.random,
    member = randomMemberId(),
    ...phoenixOptions
  } = options;

  // Each open connection is a generation: timers set for an older one do nothing.
  let generation = 0;
  const unanswered = new Map<string, ReturnType<typeof setTimeout>>();
  let capTimer: ReturnType<typeof setTimeout> | undefined;

  const codec = createHeartbeatCodec({
    sent(ref) {
      const sentIn = generation;
      clearTimeout(unanswered.get(ref));
      unanswered.set(
        ref,
        setTimeout(() => {
          unanswered.delete(ref);
          if (sentIn === generation) replaceConnection('heartbeat timeout');
        }, heartbeatTimeoutMs),
      );
    },
    answered(ref) {
      clearTimeout(unanswered.get(ref));
      unanswered.delete(ref);
    },
  });

  const socket = new Socket(url, {
    ...phoenixOptions,
    transport: apiGatewayTransport(transport),
    heartbeatIntervalMs,
    encode: codec.encode,
    decode: codec.decode,
  });

  function clearTimers(): void {
    for (const timer of unanswered.values()) clearTimeout(timer);
    unanswered.clear();
    clearTimeout(capTimer);
    capTimer = undefined;
  }

  /** Closes the current connection and opens a new one at once; phoenix rejoins the channels on it. */
  function replaceConnection(reason: string): void {
    generation += 1;
    clearTimers();
    disconnect(undefined, RECONNECT_CLOSE_CODE, reason);
    socket.connect();
  }

  // The application's disconnect() is final unless it names a code: presence leaves at once.
  const disconnect = socket.disconnect.bind(socket);
  socket.disconnect = (callback, code = FINAL_CLOSE_CODE, reason = 'leave') => disconnect(callback, code, reason);

  /** A heartbeat now: answered, nothing happens; not answered in time, the connection is replaced. */
  function probe(): void {
    if (!socket.isConnected()) return;
    socket.ping(() => undefined);
  }

  socket.onOpen(() => {
    generation += 1;
    clearTimers();
    codec.reset();
    if (maxConnectionMs > 0) {
      const earlier = reconnectMarginMs + random() * reconnectJitterMs;
      const openedIn = generation;
      capTimer = setTimeout(() => {
        if (openedIn === generation) replaceConnection('reconnect before the 2-hour cap');
      }, Math.max(0, maxConnectionMs - earlier));
    }
  });
  socket.onClose(() => clearTimers());

  // A push that timed out may have gone into a dead connection. Every join names the member.
  const makeChannel = socket.channel.bind(socket);
  socket.channel = (topic, params) => {
    const channel = makeChannel(topic, member === null ? params : withMember(params, member));
    const push = channel.push.bind(channel);
    channel.push = (event, payload, timeout) => push(event, payload, timeout).receive('timeout', probe);
    return channel;
  };

  if (signals) {
    // Back online: the old connection may be dead without knowing it, or phoenix may be
    // waiting out a reconnect backoff. Offline: whatever is open will not answer.
    signals.addEventListener('online', () => (socket.isConnected() ? probe() : replaceConnection('back online')));
    signals.addEventListener('offline', probe);
    // A page shown again may have slept (a laptop lid, a frozen tab); phoenix reconnects a closed one itself.
    signals.document?.addEventListener?.('visibilitychange', () => {
      if (signals.document?.visibilityState !== 'hidden') probe();
    });
  }
  return socket;
}

/** Join params with `member`; params given as a function (a SeqTracker's) are read again at every rejoin, as phoenix does. */
function withMember(params: object | (() => object) | undefined, member: string): () => object {
  return () => ({ ...(typeof params === 'function' ? params() : (params ?? {})), member });
}

/** 128 random bits, URL-safe. */
function randomMemberId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function defaultSignals(): SignalSource | null {
  const candidate = (globalThis as { window?: SignalSource }).window;
  return candidate && typeof candidate.addEventListener === 'function' ? candidate : null;
}
