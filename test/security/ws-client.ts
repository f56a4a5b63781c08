/**
 * A real WebSocket client for the security tests: connects (or reports the handshake's
 * HTTP status), queues every frame it receives, and waits for frames event by event,
 * never by sleeping.
 */
import WebSocket from 'ws';
import { jwtFor } from './tokens.js';

/** A server frame in either wire format, reduced to what the tests look at. */
export interface Frame {
  readonly topic: string | null;
  readonly event: string;
  readonly ref: string | null;
  readonly joinRef: string | null;
  readonly payload: Record<string, unknown>;
  readonly format: 'native' | 'phoenix';
  readonly raw: string;
}

export interface ReplyPayload {
  readonly status: 'ok' | 'error';
  readonly response: { readonly reason?: string; readonly message?: string } & Record<string, unknown>;
}

export type ConnectOutcome = { readonly ok: true; readonly client: TestClient } | { readonly ok: false; readonly status: number; readonly body: string };

export interface ConnectOptions {
  readonly token?: string;
  readonly protocols?: readonly string[];
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
}

const WAIT_MS = 10_000;

export function parseFrame(raw: string): Frame {
  const value = JSON.parse(raw) as unknown;
  if (Array.isArray(value)) {
    const [joinRef, ref, topic, event, payload] = value as [string | null, string | null, string | null, string, Record<string, unknown>];
    return { joinRef, ref, topic, event, payload, format: 'phoenix', raw };
  }
  const object = value as { topic: string | null; event: string; ref?: string | null; payload: Record<string, unknown> };
  return { joinRef: null, ref: object.ref ?? null, topic: object.topic, event: object.event, payload: object.payload, format: 'native', raw };
}

export class TestClient {
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | undefined;
  public closeCode: number | undefined;

  public constructor(public readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      // The server sends one JSON document per frame.
      this.queue.push(parseFrame(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')));
      this.waiter?.();
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      this.waiter?.();
    });
  }

  public get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.closeCode === undefined;
  }

  /** Frames received and not yet taken. */
  public get pending(): readonly Frame[] {
    return this.queue;
  }

  public send(frame: string | Buffer | object, binary = false): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary });
  }

  /** Takes the next frame matching `accept` (others stay queued), waiting for it to arrive. */
  public async take(accept: (frame: Frame) => boolean = () => true, what = 'a frame', timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex(accept);
      if (index >= 0) return this.queue.splice(index, 1)[0] as Frame;
      if (this.closeCode !== undefined) throw new Error(`connection closed (${this.closeCode}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; pending: ${this.queue.map((f) => f.raw).join(' | ') || 'none'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** The very next frame, whatever it is. */
  public next(what = 'the next frame', timeoutMs = WAIT_MS): Promise<Frame> {
    return this.take(() => true, what, timeoutMs);
  }

  /** The next phx_reply (broadcasts and presence frames stay queued). */
  public reply(what = 'a reply'): Promise<Frame & { payload: ReplyPayload & Record<string, unknown> }> {
    return this.take((frame) => frame.event === 'phx_reply', what) as Promise<Frame & { payload: ReplyPayload & Record<string, unknown> }>;
  }

  /** Sends a frame and waits for its reply. */
  public async request(frame: string | Buffer | object, binary = false): Promise<Frame & { payload: ReplyPayload & Record<string, unknown> }> {
    this.send(frame, binary);
    return this.reply(`a reply to ${describeFrame(frame)}`);
  }

  /** Joins and drains the join's presence_state (if presence is on for the topic). */
  public async join(topic: string, payload: object = {}): Promise<ReplyPayload> {
    const reply = await this.request({ action: 'join', topic, payload, ref: `join-${topic}` });
    return reply.payload;
  }

  public async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }
}

export function describeFrame(frame: string | Buffer | object): string {
  const text = Buffer.isBuffer(frame) ? `<binary ${frame.length} bytes>` : typeof frame === 'string' ? frame : JSON.stringify(frame);
  return text.length > 120 ? `${text.slice(0, 120)}… (${text.length} chars)` : text;
}

/** Opens a WebSocket; a refused handshake resolves with its HTTP status instead of throwing. */
export function connect(url: string, options: ConnectOptions = {}): Promise<ConnectOutcome> {
  const target = new URL(url);
  for (const [name, value] of Object.entries({ ...options.query, ...(options.token !== undefined ? { token: options.token } : {}) })) {
    target.searchParams.set(name, value);
  }
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, options.protocols ? [...options.protocols] : undefined, { headers: options.headers ?? {} });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ ok: false, status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ ok: false, status: response.statusCode ?? 0, body }));
    });
    ws.once('open', () => resolve({ ok: true, client: new TestClient(ws) }));
    ws.once('error', (error) => reject(error));
  });
}

/** Connects and fails the test unless the handshake succeeds. */
export async function connectOk(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const outcome = await connect(url, options);
  if (!outcome.ok) throw new Error(`expected the connect to succeed, got HTTP ${outcome.status}: ${outcome.body}`);
  return outcome.client;
}

/** Connects as `sub` (HS256, signed with `secret`), with optional extra claims. */
export async function connectAs(url: string, secret: string, sub: string, claims: Record<string, unknown> = {}): Promise<TestClient> {
  return connectOk(url, { token: await jwtFor(secret, { sub, ...claims }) });
}
