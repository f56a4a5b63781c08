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
 */
import { isIP, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
/** Why an exchange failed; `stale` means a reused socket died before any response byte, so the request never reached the server. */
export class TransportError extends Error {
    kind;
    constructor(message, kind) {
        super(message);
        this.kind = kind;
        this.name = 'TransportError';
    }
}
const MAX_HEAD_BYTES = 64 * 1024;
export class Http1Pool {
    origins = new Map();
    maxSockets;
    idleTimeoutMs;
    ca;
    constructor(options = {}) {
        this.maxSockets = options.maxSockets ?? 64;
        this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
        this.ca = options.ca;
    }
    /**
     * Sends `head` (request line and headers, ending with an empty line) and `body`, and
     * resolves with the response status. Rejects with a TransportError.
     */
    exchange(origin, head, body, signal) {
        const key = `${origin.secure ? 's' : 'p'}:${origin.hostname}:${origin.port}`;
        let pool = this.origins.get(key);
        if (!pool) {
            pool = new OriginPool(origin, this.maxSockets, this.idleTimeoutMs, this.ca);
            this.origins.set(key, pool);
        }
        return pool.exchange(head, body, signal);
    }
    /** Sockets currently open, over all origins (tests and diagnostics). */
    get openSockets() {
        let open = 0;
        for (const pool of this.origins.values())
            open += pool.open;
        return open;
    }
    /** Sockets opened since the pool was created. */
    get socketsCreated() {
        let created = 0;
        for (const pool of this.origins.values())
            created += pool.created;
        return created;
    }
    destroy() {
        for (const pool of this.origins.values())
            pool.destroy();
        this.origins.clear();
    }
}
class OriginPool {
    origin;
    maxSockets;
    idleTimeoutMs;
    ca;
    idle = [];
    waiting = [];
    open = 0;
    created = 0;
    /** TLS session of the last handshake, offered again to skip full handshakes. */
    tlsSession;
    constructor(origin, maxSockets, idleTimeoutMs, ca) {
        this.origin = origin;
        this.maxSockets = maxSockets;
        this.idleTimeoutMs = idleTimeoutMs;
        this.ca = ca;
    }
    exchange(head, body, signal) {
        return new Promise((resolve, reject) => {
            if (signal.aborted) {
                reject(new TransportError('aborted before sending', 'timeout'));
                return;
            }
            const pending = { head, body, signal, resolve, reject };
            const connection = this.idle.pop() ?? (this.open < this.maxSockets ? this.connect() : undefined);
            if (connection) {
                connection.start(pending);
                return;
            }
            // Every socket is busy: wait for one, unless the deadline comes first.
            this.waiting.push(pending);
            signal.addEventListener('abort', () => {
                const index = this.waiting.indexOf(pending);
                if (index < 0)
                    return;
                this.waiting.splice(index, 1);
                reject(new TransportError('timed out waiting for a socket', 'timeout'));
            }, { once: true });
        });
    }
    /** A connection finished an exchange and can take another. */
    release(connection) {
        const next = this.waiting.shift();
        if (next) {
            if (next.signal.aborted)
                return this.release(connection);
            connection.start(next);
            return;
        }
        this.idle.push(connection);
    }
    /** A connection closed: forget it, and let a waiting request open a new one. */
    forget(connection) {
        this.open -= 1;
        const index = this.idle.indexOf(connection);
        if (index >= 0)
            this.idle.splice(index, 1);
        const next = this.waiting.shift();
        if (next)
            this.connect().start(next);
    }
    destroy() {
        for (const connection of [...this.idle])
            connection.close();
        this.idle.length = 0;
        for (const pending of this.waiting.splice(0))
            pending.reject(new TransportError('pool destroyed', 'network'));
    }
    connect() {
        this.open += 1;
        this.created += 1;
        return new Connection(this);
    }
}
class Connection {
    pool;
    socket;
    current;
    exchanges = 0;
    closed = false;
    // Response parsing state (latin1: one char per byte).
    buffer = '';
    state = 'head';
    status = 0;
    remaining = 0;
    keepAlive = true;
    received = false;
    onAbort = () => {
        this.fail(new TransportError('timed out', 'timeout'));
    };
    constructor(pool) {
        this.pool = pool;
        const { origin } = pool;
        this.socket = origin.secure
            ? tlsConnect({
                host: origin.hostname,
                port: origin.port,
                // SNI carries host names only (RFC 6066).
                ...(isIP(origin.hostname) ? {} : { servername: origin.hostname }),
                ALPNProtocols: ['http/1.1'],
                session: pool.tlsSession,
                ...(pool.ca ? { ca: pool.ca } : {}),
            })
            : netConnect({ host: origin.hostname, port: origin.port });
        if (origin.secure)
            this.socket.on('session', (session) => (pool.tlsSession = session));
        this.socket.setNoDelay(true);
        this.socket.setEncoding('latin1');
        this.socket.on('data', (chunk) => this.onData(chunk));
        this.socket.on('error', (error) => this.onClose(error));
        this.socket.on('close', () => this.onClose(undefined));
        this.socket.on('timeout', () => this.close());
    }
    start(pending) {
        this.current = pending;
        this.buffer = '';
        this.state = 'head';
        this.received = false;
        this.keepAlive = true;
        this.socket.setTimeout(0);
        pending.signal.addEventListener('abort', this.onAbort, { once: true });
        this.socket.write(pending.head + pending.body);
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.socket.destroy();
        this.pool.forget(this);
    }
    onData(chunk) {
        const pending = this.current;
        if (!pending) {
            // Bytes nobody asked for: the stream is out of sync.
            this.close();
            return;
        }
        this.received = true;
        this.buffer += chunk;
        try {
            this.parse();
        }
        catch (error) {
            this.fail(error instanceof TransportError ? error : new TransportError(String(error), 'protocol'));
            return;
        }
        if (this.state === 'done')
            this.finish();
    }
    parse() {
        for (;;) {
            switch (this.state) {
                case 'head': {
                    const end = this.buffer.indexOf('\r\n\r\n');
                    if (end < 0) {
                        if (this.buffer.length > MAX_HEAD_BYTES)
                            throw new TransportError('response head too large', 'protocol');
                        return;
                    }
                    const head = this.buffer.slice(0, end).toLowerCase();
                    this.buffer = this.buffer.slice(end + 4);
                    if (!head.startsWith('http/1.'))
                        throw new TransportError('not an HTTP/1.x response', 'protocol');
                    const status = Number(head.slice(9, 12));
                    if (!Number.isInteger(status) || status < 100)
                        throw new TransportError('bad status line', 'protocol');
                    // 1xx interim responses precede the real one.
                    if (status < 200)
                        continue;
                    this.status = status;
                    this.keepAlive = !/\r\nconnection:[ \t]*close/.test(head) && !head.startsWith('http/1.0');
                    if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
                        this.state = 'chunked';
                    }
                    else {
                        const length = /\r\ncontent-length:[ \t]*(\d+)/.exec(head);
                        if (length) {
                            this.remaining = Number(length[1]);
                            this.state = 'length';
                        }
                        else if (status === 204 || status === 304) {
                            this.remaining = 0;
                            this.state = 'length';
                        }
                        else {
                            this.keepAlive = false;
                            this.state = 'until-close';
                        }
                    }
                    continue;
                }
                case 'length': {
                    if (this.buffer.length < this.remaining)
                        return;
                    if (this.buffer.length > this.remaining)
                        throw new TransportError('unexpected bytes after the response', 'protocol');
                    this.buffer = '';
                    this.state = 'done';
                    return;
                }
                case 'chunked': {
                    const lineEnd = this.buffer.indexOf('\r\n');
                    if (lineEnd < 0)
                        return;
                    const size = Number.parseInt(this.buffer.slice(0, lineEnd), 16);
                    if (Number.isNaN(size))
                        throw new TransportError('bad chunk size', 'protocol');
                    if (size === 0) {
                        // Last chunk, then optional trailers, then an empty line.
                        const rest = this.buffer.slice(lineEnd + 2);
                        if (rest.startsWith('\r\n')) {
                            this.buffer = rest.slice(2);
                        }
                        else {
                            const trailersEnd = rest.indexOf('\r\n\r\n');
                            if (trailersEnd < 0)
                                return;
                            this.buffer = rest.slice(trailersEnd + 4);
                        }
                        if (this.buffer.length > 0)
                            throw new TransportError('unexpected bytes after the response', 'protocol');
                        this.state = 'done';
                        return;
                    }
                    if (this.buffer.length < lineEnd + 2 + size + 2)
                        return;
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
    finish() {
        const pending = this.current;
        this.current = undefined;
        this.exchanges += 1;
        pending.signal.removeEventListener('abort', this.onAbort);
        pending.resolve({ status: this.status });
        if (!this.keepAlive) {
            this.close();
            return;
        }
        this.socket.setTimeout(this.pool.idleTimeoutMs);
        this.pool.release(this);
    }
    fail(error) {
        const pending = this.current;
        this.current = undefined;
        if (pending) {
            pending.signal.removeEventListener('abort', this.onAbort);
            pending.reject(error);
        }
        this.close();
    }
    onClose(error) {
        if (this.current && this.state === 'until-close' && !error) {
            this.state = 'done';
            this.finish();
            return;
        }
        if (this.current) {
            // A reused socket that died before any response byte was closed by the server
            // while idle: the request was never processed, so it is safe to send again.
            const stale = this.exchanges > 0 && !this.received;
            this.fail(new TransportError(error?.message ?? 'socket closed', stale ? 'stale' : 'network'));
            return;
        }
        this.close();
    }
}
