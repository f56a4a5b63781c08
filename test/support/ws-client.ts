/**
 * A real `ws` WebSocket client for end-to-end tests. Every frame received is kept in
 * order; `next(predicate)` hands out the first not-yet-taken frame that matches, waiting
 * for it when it has not arrived, so a frame can never be missed by registering too late.
 * Waits are event driven and fail with an error that lists what did arrive.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';

export const DEFAULT_WAIT_MS = 5000;

/** A received text frame: its raw text and, when it is JSON, the parsed value. */
export interface ReceivedFrame {
  readonly text: string;
  readonly json: unknown;
}

export type FramePredicate = (message: any, frame: ReceivedFrame) => boolean;

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface OpenClientOptions extends ClientOptions {
  /** Path and query appended to the gateway URL, e.g. `/prod` or `/socket/websocket?vsn=2.0.0`. */
  readonly path?: string;
  /** Subprotocols to request (Sec-WebSocket-Protocol). */
  readonly protocols?: string | string[];
}

interface Waiter {
  readonly predicate: FramePredicate;
  readonly resolve: (frame: ReceivedFrame) => void;
}

export class WsClient {
  /** Every frame received, in order. */
  public readonly frames: ReceivedFrame[] = [];
  /** Resolves when the socket closes, with the code and reason the client saw. */
  public readonly closed: Promise<CloseInfo>;
  private readonly taken = new Set<number>();
  private readonly waiters = new Set<Waiter>();
  private refCounter = 0;
  private closeInfo: CloseInfo | undefined;

  public constructor(
    public readonly socket: WebSocket,
    /** The unique User-Agent this client connected with (the gateway records it). */
    public readonly userAgent: string,
  ) {
    socket.on('message', (data, isBinary) => this.receive(isBinary ? Buffer.from(data as Buffer).toString('base64') : String(data)));
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => undefined);
  }

  public get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Parsed JSON of every frame received, in order. */
  public get messages(): unknown[] {
    return this.frames.map((frame) => frame.json);
  }

  /** Sends an object or array as JSON, a string as is. */
  public send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** A fresh ref, unique within this client. */
  public nextRef(): string {
    this.refCounter += 1;
    return `r${this.refCounter}`;
  }

  /**
   * Resolves with the first frame not yet taken that matches, marking it taken. Rejects
   * after `timeoutMs`, or as soon as the socket closes, listing the frames received.
   */
  public next(predicate: FramePredicate, timeoutMs = DEFAULT_WAIT_MS, description = predicate.toString()): Promise<any> {
    return this.nextFrame(predicate, timeoutMs, description).then((frame) => frame.json);
  }

  public nextFrame(predicate: FramePredicate, timeoutMs = DEFAULT_WAIT_MS, description = predicate.toString()): Promise<ReceivedFrame> {
    const index = this.frames.findIndex((frame, i) => !this.taken.has(i) && matches(predicate, frame));
    if (index >= 0) {
      this.taken.add(index);
      return Promise.resolve(this.frames[index] as ReceivedFrame);
    }
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`${why} waiting for a frame matching ${description}; received: ${this.describeFrames()}`));
      };
      const waiter: Waiter = {
        predicate,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      this.waiters.add(waiter);
      void this.closed.then((info) => {
        if (this.waiters.has(waiter)) fail(`socket closed (${info.code} ${info.reason})`);
      });
    });
  }

  /** The next message with this event (native objects or Phoenix arrays). */
  public nextEvent(event: string, extra: FramePredicate = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<any> {
    return this.next((m, f) => eventOf(m) === event && extra(m, f), timeoutMs, `event ${event}`);
  }

  /** The native reply carrying `ref`. */
  public reply(ref: string, timeoutMs = DEFAULT_WAIT_MS): Promise<any> {
    return this.next((m) => isObject(m) && m.event === 'phx_reply' && m.ref === ref, timeoutMs, `phx_reply with ref ${ref}`);
  }

  /** Sends a native frame with a fresh ref (unless it has one) and resolves with its reply. */
  public async request(frame: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<any> {
    const ref = typeof frame.ref === 'string' ? frame.ref : this.nextRef();
    this.send({ ...frame, ref });
    return this.reply(ref, timeoutMs);
  }

  /** Joins and resolves with the ok reply; throws when the join is refused. */
  public async join(topic: string, payload: Record<string, unknown> = {}): Promise<any> {
    const reply = await this.request({ action: 'join', topic, payload });
    if (reply.payload?.status !== 'ok') throw new Error(`join ${topic} refused: ${JSON.stringify(reply)}`);
    return reply;
  }

  /** A ping round trip: everything sent to this client before the ping was answered has arrived. */
  public async ping(timeoutMs = DEFAULT_WAIT_MS): Promise<any> {
    return this.request({ action: 'ping' }, timeoutMs);
  }

  /** Index of the next frame to arrive; pair with `framesSince`. */
  public mark(): number {
    return this.frames.length;
  }

  public framesSince(mark: number): unknown[] {
    return this.messages.slice(mark);
  }

  /** The events of the frames received since `mark`, in order. */
  public eventsSince(mark: number): (string | undefined)[] {
    return this.framesSince(mark).map(eventOf);
  }

  /** Closes (if open) and resolves once the close handshake is done. */
  public async close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else this.socket.close(code, reason);
    return this.closed;
  }

  private receive(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const frame: ReceivedFrame = { text, json };
    const index = this.frames.push(frame) - 1;
    for (const waiter of this.waiters) {
      if (matches(waiter.predicate, frame)) {
        this.waiters.delete(waiter);
        this.taken.add(index);
        waiter.resolve(frame);
        return;
      }
    }
  }

  private describeFrames(): string {
    if (this.frames.length === 0) return '(nothing)';
    return this.frames.map((frame, i) => `\n  ${this.taken.has(i) ? '·' : '*'} ${frame.text.length > 300 ? `${frame.text.slice(0, 300)}…` : frame.text}`).join('');
  }
}

function matches(predicate: FramePredicate, frame: ReceivedFrame): boolean {
  try {
    return predicate(frame.json, frame);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event of a native object or a Phoenix V2 array. */
export function eventOf(message: unknown): string | undefined {
  if (Array.isArray(message)) return typeof message[3] === 'string' ? message[3] : undefined;
  if (isObject(message)) return typeof message.event === 'string' ? message.event : undefined;
  return undefined;
}

/** Opens a client and resolves once the handshake succeeded; rejects on any failure. */
export function openClient(baseUrl: string, options: OpenClientOptions = {}): Promise<WsClient> {
  const { path = '', headers = {}, protocols = [], ...rest } = options;
  const userAgent = (headers['User-Agent'] as string | undefined) ?? `topicast-e2e/${randomUUID()}`;
  const socket = new WebSocket(`${baseUrl}${path}`, protocols, { ...rest, headers: { 'User-Agent': userAgent, ...headers } });
  const client = new WsClient(socket, userAgent);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`connecting to ${baseUrl}${path} timed out`));
    }, DEFAULT_WAIT_MS);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve(client);
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`handshake to ${baseUrl}${path} failed with HTTP ${response.statusCode}`));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export async function openClients(baseUrl: string, count: number, options: OpenClientOptions = {}): Promise<WsClient[]> {
  return Promise.all(Array.from({ length: count }, () => openClient(baseUrl, options)));
}

export interface HandshakeFailure {
  readonly statusCode: number;
  readonly body: string;
}

/** Opens a connection that must be refused; resolves with the HTTP status and body. */
export function expectHandshakeFailure(baseUrl: string, options: OpenClientOptions = {}): Promise<HandshakeFailure> {
  const { path = '', protocols = [], ...rest } = options;
  const socket = new WebSocket(`${baseUrl}${path}`, protocols, rest);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('the handshake neither failed nor succeeded in time'));
    }, DEFAULT_WAIT_MS);
    socket.on('error', () => undefined);
    socket.once('open', () => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error('the handshake succeeded but was expected to fail'));
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        socket.terminate();
        resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', () => resolve({ statusCode: response.statusCode ?? 0, body: '' }));
    });
  });
}

/** Closes every client still open. */
export async function closeAll(clients: Iterable<WsClient>): Promise<void> {
  await Promise.all([...clients].map((client) => client.close()));
}
