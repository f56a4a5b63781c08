/**
 * A TCP proxy in front of the local gateway that can blackhole the connections it carries:
 * bytes stop flowing both ways while both sockets stay open, as when a laptop sleeps or a
 * mobile network drops without a reset. Neither end learns anything from TCP; only a
 * missing answer tells. Connections opened after a blackhole pass as usual.
 *
 * It also tells when the gateway gave a blackholed connection up: the moment its close frame
 * (API Gateway's idle timeout, 1001) reaches the proxy. The gateway's `$disconnect` itself
 * waits for the client's close frame, which never comes, until `ws` gives up 30 s later;
 * API Gateway does not wait, so the close frame is the moment to measure.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlackholeProxy {
  readonly url: string;
  /** Stops every connection open now from passing bytes, in both directions. */
  blackholeAll(): void;
  /** When (Date.now()) the gateway sent its close frame on each blackholed connection that got one so far. */
  serverClosedAt(): number[];
  close(): Promise<void>;
}

/** Finds the close frame in what the server sends: the HTTP 101 answer, then unmasked WebSocket frames. */
class ServerFrameReader {
  private buffer = Buffer.alloc(0);
  private upgraded = false;

  /** Feeds a chunk; true when it completed a close frame (opcode 8). */
  public feed(chunk: Buffer): boolean {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return false;
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    let closed = false;
    for (;;) {
      if (this.buffer.length < 2) break;
      const short = (this.buffer[1] as number) & 0x7f;
      const headerBytes = short === 126 ? 4 : short === 127 ? 10 : 2;
      if (this.buffer.length < headerBytes) break;
      const length = short === 126 ? this.buffer.readUInt16BE(2) : short === 127 ? Number(this.buffer.readBigUInt64BE(2)) : short;
      if (this.buffer.length < headerBytes + length) break;
      if (((this.buffer[0] as number) & 0x0f) === 8) closed = true;
      this.buffer = this.buffer.subarray(headerBytes + length);
    }
    return closed;
  }
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  const serverClosed: number[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, dead: false };
    const frames = new ServerFrameReader();
    let closeSeen = false;
    pairs.add(pair);
    client.on('data', (chunk) => { if (!pair.dead) upstream.write(chunk); });
    upstream.on('data', (chunk: Buffer) => {
      if (!closeSeen && frames.feed(chunk)) {
        closeSeen = true;
        if (pair.dead) serverClosed.push(Date.now());
      }
      if (!pair.dead) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A blackholed path carries no FIN either.
    client.on('close', () => { if (!pair.dead) end(); });
    upstream.on('close', () => { if (!pair.dead) end(); });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    blackholeAll() {
      for (const pair of pairs) pair.dead = true;
    },
    serverClosedAt: () => [...serverClosed],
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
