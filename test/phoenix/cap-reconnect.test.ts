/**
 * API Gateway's 2-hour cap without a gap (clock compressed: the cap is 1.5 s). A
 * `topicastSocket` whose channel joins with a `SeqTracker`'s params reconnects before the
 * gateway closes it, or at once after the gateway did, and catches up through history:
 * every message published meanwhile arrives exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { SeqTracker, type JoinHistoryResponse } from '../../client/seq-tracker.js';
import { RECONNECT_CLOSE_CODE, topicastSocket } from '../../client/topicast-socket.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';

const CAP_MS = 1500;
const cleanups: (() => Promise<void> | void)[] = [];
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ maxConnectionMs: CAP_MS, config: { history: { 'feed:*': { maxMessages: 1000, ttlSeconds: 600 } } } });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await gateway?.end();
});

/** Publishes one message every few ms until stopped; answers the seqs in order. */
function publisher(gateway: RunningGateway, topic: string): { stop(): Promise<number[]> } {
  const seqs: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n += 1) {
      const response = await fetch(`http://127.0.0.1:${gateway.port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic, event: 'tick', payload: { n } }),
      });
      const body = (await response.json()) as { results: { seq: number }[] };
      seqs.push((body.results[0] as { seq: number }).seq);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seqs;
    },
  };
}

function subscribe(socket: Socket, topic: string): { channel: Channel; delivered: number[]; joined: Promise<void> } {
  const seen = new SeqTracker();
  const delivered: number[] = [];
  const channel = socket.channel(topic, () => seen.joinParams());
  channel.on('tick', ((_payload: unknown, ref: string) => {
    if (seen.accept(ref)) delivered.push(Number(ref));
  }) as (payload?: unknown) => void);
  const joined = new Promise<void>((resolve, reject) => {
    channel
      .join()
      .receive('ok', (response: JoinHistoryResponse) => {
        seen.joined(response);
        resolve();
      })
      .receive('error', reject);
  });
  return { channel, delivered, joined };
}

/** `ws`, keeping the close code of every connection (1001: the gateway's cap; 4000: the client's own reconnect). */
function recordingWebSocket(codes: number[]): typeof WebSocket {
  return class extends WebSocket {
    public constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.on('close', (code: number) => codes.push(code));
    }
  } as unknown as typeof WebSocket;
}

async function runAcrossCaps(options: Record<string, unknown>): Promise<{ delivered: number[]; published: number[]; opens: number; closeCodes: number[] }> {
  const closeCodes: number[] = [];
  const socket = topicastSocket(Socket as never, `${gateway.url}/prod`, { transport: recordingWebSocket(closeCodes), signals: null, reconnectAfterMs: () => 10, rejoinAfterMs: () => 10, ...options }) as unknown as Socket;
  cleanups.push(() => socket.disconnect());
  let opens = 0;
  socket.onOpen(() => {
    opens += 1;
  });
  socket.connect();
  const topic = `feed:cap-${Math.random().toString(36).slice(2)}`;
  const { delivered, joined } = subscribe(socket, topic);
  await joined;
  const publishing = publisher(gateway, topic);
  // Two and a half caps: at least two reconnects while messages keep coming.
  await new Promise((resolve) => setTimeout(resolve, 2.5 * CAP_MS));
  const published = await publishing.stop();
  await expect.poll(() => delivered.length, { timeout: 5000 }).toBeGreaterThanOrEqual(published.length);
  return { delivered, published, opens, closeCodes };
}

/** Every published message, each once: a replayed message may land after a live one (publishers run concurrently), so order is not compared. */
function expectEachOnce(delivered: readonly number[], published: readonly number[]): void {
  expect(new Set(delivered).size).toBe(delivered.length);
  expect([...delivered].sort((a, b) => a - b)).toEqual(published);
}

describe('the 2-hour cap (compressed to 1.5 s)', () => {
  it('topicastSocket reconnects before the gateway closes it and, rejoining with SeqTracker, misses nothing', async () => {
    const { delivered, published, opens, closeCodes } = await runAcrossCaps({ maxConnectionMs: CAP_MS, reconnectMarginMs: 200, reconnectJitterMs: 100 });
    expect(opens).toBeGreaterThanOrEqual(3);
    expect(published.length).toBeGreaterThan(10);
    expectEachOnce(delivered, published);
    // Every connection closed so far was closed by the client itself, before the cap; none was cut off by the gateway (1001).
    expect(closeCodes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(closeCodes)).toEqual(new Set([RECONNECT_CLOSE_CODE]));
  });

  it('without the early reconnect, the gateway closes it at the cap; it reconnects at once and still misses nothing', async () => {
    const { delivered, published, opens, closeCodes } = await runAcrossCaps({ maxConnectionMs: 0 });
    expect(opens).toBeGreaterThanOrEqual(3);
    expect(closeCodes).toContain(1001);
    expectEachOnce(delivered, published);
  });
});
