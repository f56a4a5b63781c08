/**
 * A TCP proxy in front of the local gateway that can blackhole the connections it carries:
 * bytes stop flowing both ways while both sockets stay open, as when a laptop sleeps or a
 * mobile network drops without a reset. Neither end learns anything from TCP; only a
 * missing answer tells. Connections opened after a blackhole pass as usual.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlackholeProxy {
  readonly url: string;
  /** Stops every connection open now from passing bytes, in both directions. */
  blackholeAll(): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, dead: false };
    pairs.add(pair);
    client.on('data', (chunk) => { if (!pair.dead) upstream.write(chunk); });
    upstream.on('data', (chunk) => { if (!pair.dead) client.write(chunk); });
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
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
