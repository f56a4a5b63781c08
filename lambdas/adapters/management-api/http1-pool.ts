/**
 * A lean HTTP/1.1 keep-alive client for one job: many small POSTs to a few hosts (the
 * Management API), one request in flight per socket, responses reduced to their status.
 *
 * Why not node:http? Its per-request machinery (ClientRequest/IncomingMessage streams,
 * header validation, the agent's bookkeeping) costs about 0.2 ms of CPU per request,
 * three times the socket I/O itself, and a fan-out Lambda pays that per subscriber.
 * Measured side by side in `npm run bench` (docs/performance.md).
 *
 * Scope, deliberately small: no pipelining, no request streaming, no redirects, no
 * proxies. Responses may use Content-Length, chunked encoding or close-delimited bodies
 * (bodies are read and discarded). `Connection: close` and idle sockets that the server
 * closed are handled by opening a new socket.
 *
 * At most once: a request is never resent here. A failure says whether the request
 * provably never left (`unsent`: the socket never connected, or no socket was free before
 * `writeBy`), so the caller may send it again; any failure after the request was written
 * (`timeout`, `network`, `protocol`) may follow a delivery and must not be resent.
 *
 * Overload queues instead of failing: a request waits for a free socket without a time
 * limit of its own (only `writeBy`, the caller's deadline, bounds the wait), and its
 * timeout starts when it is written.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Origin {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
}

export interface ExchangeResult {
  readonly status: number;
  /** The response's `Retry-After`, in milliseconds from now, when it had a valid one. */
  readonly retryAfterMs?: number;
}

export interface ExchangeOptions {
  /** How long the exchange may take once the request is written, in milliseconds. */
  readonly timeoutMs: number;
  /** Epoch milliseconds after which the request must not be written any more (it fails `unsent`). */
  readonly writeBy?: number;
}

/**
 * Why an exchange failed. `unsent`: the request was provably never written (the socket
 * never connected, or `writeBy` passed while it waited for one), so sending it again cannot
 * duplicate it. Every other kind may come after the server received the request.
 */
export type TransportErrorKind = 'unsent' | 'timeout' | 'network' | 'protocol';

export class TransportError extends Error {
  public constructor(
    message: string,
    public readonly kind: TransportErrorKind,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** What node:tls takes as `ca`. */
export type TrustedCertificates = string | Buffer | readonly (string | Buffer)[];

export interface Http1PoolOptions {
  /** Sockets per origin. @default 64 */
  readonly maxSockets?: number;
  /** Idle sockets are closed after this long. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** The certificates TLS trusts instead of Node's default store (a private CA with Node's roots, tests). Certificates are always verified. */
  readonly ca?: TrustedCertificates;
}

const MAX_HEAD_BYTES = 64 * 1024;

export class Http1Pool {
  private readonly origins = new Map<string, OriginPool>();
  private readonly maxSockets: number;
  private readonly idleTimeoutMs: number;
  private readonly ca: TrustedCertificates | undefined;

  public constructor(options: Http1PoolOptions = {}) {
    this.maxSockets = options.maxSockets ?? 64;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.ca = options.ca;
  }

  /**
   * Sends `head` (request line and headers, ending with an empty line) and `body`, and
   * resolves with the response status. Rejects with a TransportError.
   */
  public exchange(origin: Origin, head: string, body: string, options: ExchangeOptions): Promise<ExchangeResult> {
    const key = `${origin.secure ? 's' : 'p'}:${origin.hostname}:${origin.port}`;
    let pool = this.origins.get(key);
    if (!pool) {
      pool = new OriginPool(origin, this.maxSockets, this.idleTimeoutMs, this.ca);
      this.origins.set(key, pool);
    }
    return pool.exchange(head, body, options);
  }

  /** Sockets currently open, over all origins (tests and diagnostics). */
  public get openSockets(): number {
    let open = 0;
    for (const pool of this.origins.values()) open += pool.open;
    return open;
  }

  /** Sockets opened since the pool was created. */
  public get socketsCreated(): number {
    let created = 0;
    for (const pool of this.origins.values()) created += pool.created;
    return created;
  }

  public destroy(): void {
    for (const pool of this.origins.values()) pool.destroy();
    this.origins.clear();
  }
}

interface Pending {
  readonly head: string;
  readonly body: string;
  readonly options: ExchangeOptions;
  resolve(result: ExchangeResult): void;
  reject(error: TransportError): void;
  /** Clears the wait-for-a-socket timer. */
  stopWaiting?: () => void;
}

class OriginPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Pending[] = [];
  public open = 0;
  public created = 0;
  /** TLS session of the last handshake, offered again to skip full handshakes. */
  public tlsSession: Buffer | undefined;

  public constructor(
    public readonly origin: Origin,
    private readonly maxSockets: number,
    public readonly idleTimeoutMs: number,
    public readonly ca: TrustedCertificates | undefined,
  ) {}

  public exchange(head: string, body: string, options: ExchangeOptions): Promise<ExchangeResult> {
    return new Promise<ExchangeResult>((resolve, reject) => {
      const pending: Pending = { head, body, options, resolve, reject };
      if (isPastWriteBy(pending)) {
        reject(new TransportError('the deadline passed before the request could be written', 'unsent'));
        return;
      }
      const connection = this.idle.pop() ?? (this.open < this.maxSockets ? this.connect() : undefined);
      if (connection) {
        connection.start(pending);
        return;
      }
      // Every socket is busy: queue (overload slows down rather than fails), bounded only by
      // the caller's deadline; the request's own timeout starts when it is written.
      this.waiting.push(pending);
      if (options.writeBy !== undefined) {
        const timer = setTimeout(() => {
          const index = this.waiting.indexOf(pending);
          if (index < 0) return;
          this.waiting.splice(index, 1);
          reject(new TransportError('no socket was free before the deadline', 'unsent'));
        }, Math.max(0, options.writeBy - Date.now()));
        pending.stopWaiting = () => clearTimeout(timer);
      }
    });
  }

  /** A connection finished an exchange and can take another. */
  public release(connection: Connection): void {
    const next = this.nextWaiting();
    if (next) {
      connection.start(next);
      return;
    }
    this.idle.push(connection);
  }

  /** A connection closed: forget it, and let a waiting request open a new one. */
  public forget(connection: Connection): void {
    this.open -= 1;
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    const next = this.nextWaiting();
    if (next) this.connect().start(next);
  }

  /** The oldest waiting request that may still be written. */
  private nextWaiting(): Pending | undefined {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      next.stopWaiting?.();
      if (!isPastWriteBy(next)) return next;
      next.reject(new TransportError('the deadline passed before the request could be written', 'unsent'));
    }
    return undefined;
  }

  public destroy(): void {
    for (const connection of [...this.idle]) connection.close();
    this.idle.length = 0;
    for (const pending of this.waiting.splice(0)) {
      pending.stopWaiting?.();
      pending.reject(new TransportError('pool destroyed before the request was written', 'unsent'));
    }
  }

  private connect(): Connection {
    this.open += 1;
    this.created += 1;
    return new Connection(this);
  }
}

function isPastWriteBy(pending: Pending): boolean {
  return pending.options.writeBy !== undefined && Date.now() > pending.options.writeBy;
}

type ParseState = 'head' | 'length' | 'chunked' | 'until-close' | 'done';

class Connection {
  private readonly socket: Socket;
  private current: Pending | undefined;
  private closed = false;
  /** Until the socket connects (TLS: completes its handshake) nothing written has left. */
  private connected = false;
  private timer: NodeJS.Timeout | undefined;
  // Response parsing state (latin1: one char per byte).
  private buffer = '';
  private state: ParseState = 'head';
  private status = 0;
  private retryAfterMs: number | undefined;
  private remaining = 0;
  private keepAlive = true;

  public constructor(private readonly pool: OriginPool) {
    const { origin } = pool;
    this.socket = origin.secure
      ? tlsConnect({
          host: origin.hostname,
          port: origin.port,
          // SNI carries host names only (RFC 6066).
          ...(isIP(origin.hostname) ? {} : { servername: origin.hostname }),
          ALPNProtocols: ['http/1.1'],
          session: pool.tlsSession,
          ...(pool.ca ? { ca: pool.ca as string | Buffer | (string | Buffer)[] } : {}),
        })
      : netConnect({ host: origin.hostname, port: origin.port });
    if (origin.secure) this.socket.on('session', (session: Buffer) => (pool.tlsSession = session));
    this.socket.once(origin.secure ? 'secureConnect' : 'connect', () => (this.connected = true));
    // A server that closes an idle keep-alive socket: drop it now, before a request is put on it.
    this.socket.on('end', () => {
      if (!this.current) this.close();
    });
    this.socket.setNoDelay(true);
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => this.onData(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.onClose(error));
    this.socket.on('close', () => this.onClose(undefined));
    this.socket.on('timeout', () => this.close());
  }

  public start(pending: Pending): void {
    this.current = pending;
    this.buffer = '';
    this.state = 'head';
    this.keepAlive = true;
    this.retryAfterMs = undefined;
    this.socket.setTimeout(0);
    // The timeout counts from the write, never from the wait for a socket.
    this.timer = setTimeout(() => this.fail(new TransportError(`no response within ${pending.options.timeoutMs} ms`, 'timeout')), pending.options.timeoutMs);
    this.socket.write(pending.head + pending.body);
  }

  public close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.pool.forget(this);
  }

  private onData(chunk: string): void {
    const pending = this.current;
    if (!pending) {
      // Bytes nobody asked for: the stream is out of sync.
      this.close();
      return;
    }
    this.buffer += chunk;
    try {
      this.parse();
    } catch (error) {
      this.fail(error instanceof TransportError ? error : new TransportError(String(error), 'protocol'));
      return;
    }
    if (this.state === 'done') this.finish();
  }

  private parse(): void {
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.buffer.indexOf('\r\n\r\n');
          if (end < 0) {
            if (this.buffer.length > MAX_HEAD_BYTES) throw new TransportError('response head too large', 'protocol');
            return;
          }
          const head = this.buffer.slice(0, end).toLowerCase();
          this.buffer = this.buffer.slice(end + 4);
          if (!head.startsWith('http/1.')) throw new TransportError('not an HTTP/1.x response', 'protocol');
          const status = Number(head.slice(9, 12));
          if (!Number.isInteger(status) || status < 100) throw new TransportError('bad status line', 'protocol');
          // 1xx interim responses precede the real one.
          if (status < 200) continue;
          this.status = status;
          if (status >= 400) this.retryAfterMs = retryAfterOf(head);
          this.keepAlive = !/\r\nconnection:[ \t]*close/.test(head) && !head.startsWith('http/1.0');
          if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
            this.state = 'chunked';
          } else {
            const length = /\r\ncontent-length:[ \t]*(\d+)/.exec(head);
            if (length) {
              this.remaining = Number(length[1]);
              this.state = 'length';
            } else if (status === 204 || status === 304) {
              this.remaining = 0;
              this.state = 'length';
            } else {
              this.keepAlive = false;
              this.state = 'until-close';
            }
          }
          continue;
        }
        case 'length': {
          if (this.buffer.length < this.remaining) return;
          if (this.buffer.length > this.remaining) throw new TransportError('unexpected bytes after the response', 'protocol');
          this.buffer = '';
          this.state = 'done';
          return;
        }
        case 'chunked': {
          const lineEnd = this.buffer.indexOf('\r\n');
          if (lineEnd < 0) return;
          const size = Number.parseInt(this.buffer.slice(0, lineEnd), 16);
          if (Number.isNaN(size)) throw new TransportError('bad chunk size', 'protocol');
          if (size === 0) {
            // Last chunk, then optional trailers, then an empty line.
            const rest = this.buffer.slice(lineEnd + 2);
            if (rest.startsWith('\r\n')) {
              this.buffer = rest.slice(2);
            } else {
              const trailersEnd = rest.indexOf('\r\n\r\n');
              if (trailersEnd < 0) return;
              this.buffer = rest.slice(trailersEnd + 4);
            }
            if (this.buffer.length > 0) throw new TransportError('unexpected bytes after the response', 'protocol');
            this.state = 'done';
            return;
          }
          if (this.buffer.length < lineEnd + 2 + size + 2) return;
          this.buffer = this.buffer.slice(lineEnd + 2 + size + 2);
          continue;
        }
        case 'until-close':
          this.buffer = '';
          return;
        case 'done':
          return;
      }
    }
  }

  private finish(): void {
    const pending = this.current as Pending;
    this.current = undefined;
    clearTimeout(this.timer);
    pending.resolve(this.retryAfterMs === undefined ? { status: this.status } : { status: this.status, retryAfterMs: this.retryAfterMs });
    if (!this.keepAlive) {
      this.close();
      return;
    }
    this.socket.setTimeout(this.pool.idleTimeoutMs);
    this.pool.release(this);
  }

  private fail(error: TransportError): void {
    const pending = this.current;
    this.current = undefined;
    clearTimeout(this.timer);
    if (pending) pending.reject(error);
    this.close();
  }

  private onClose(error: NodeJS.ErrnoException | undefined): void {
    if (this.current && this.state === 'until-close' && !error) {
      this.state = 'done';
      this.finish();
      return;
    }
    if (this.current) {
      // Only a socket that never connected provably carried nothing. A socket that dies
      // after the write, even before any response byte, may have delivered the request
      // (a reset after the server read it): resending it could duplicate the message.
      this.fail(new TransportError(error?.message ?? 'socket closed', this.connected ? 'network' : 'unsent'));
      return;
    }
    this.close();
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from now. */
function retryAfterOf(lowerCaseHead: string): number | undefined {
  const value = /\r\nretry-after:[ \t]*([^\r]*)/.exec(lowerCaseHead)?.[1]?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
