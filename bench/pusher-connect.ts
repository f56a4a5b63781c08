/**
 * `npm run bench:pusher-connect`: how long a Pusher client waits for
 * `pusher:connection_established`, beside the WebSocket handshake itself, through the local
 * gateway as `npm start` runs it (the template's functions, each in processes of its own,
 * IAM enforced: bench/template-runtime.ts). The handshake ends when `$connect` has returned;
 * the greeting then goes as it goes on AWS: `$connect` hands it to the fan-out worker (an
 * asynchronous invoke), which posts it through the Management API, retrying 410 until the
 * gateway has registered the socket.
 *
 * Sequential connects (the latency of one) and a burst of concurrent ones. Writes
 * bench/results/pusher-connect.json. BENCH_QUICK=1 takes fewer samples.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startBenchRuntime } from './template-runtime.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const QUICK = process.env.BENCH_QUICK === '1';
const SEQUENTIAL = QUICK ? 50 : 300;
const BURST = QUICK ? 50 : 200;
const WARMUP = 20;

interface Sample {
  /** `new WebSocket()` to the `open` event: the handshake, `$connect` included. */
  readonly openMs: number;
  /** `new WebSocket()` to `pusher:connection_established`. */
  readonly establishedMs: number;
}

function connectOnce(url: string): Promise<{ sample: Sample; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let openMs = Number.NaN;
    const socket = new WebSocket(`${url}/app/bench-key?protocol=7&client=js&version=8.6.0&flash=false`);
    socket.once('open', () => (openMs = performance.now() - started));
    socket.once('message', (data) => {
      const frame = JSON.parse(String(data)) as { event: string };
      if (frame.event !== 'pusher:connection_established') reject(new Error(`first frame was ${frame.event}`));
      resolve({ sample: { openMs, establishedMs: performance.now() - started }, socket });
    });
    socket.once('error', reject);
  });
}

function percentiles(values: readonly number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN).toFixed(1));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

function summary(samples: readonly Sample[]) {
  return {
    samples: samples.length,
    handshakeMs: percentiles(samples.map((s) => s.openMs)),
    connectionEstablishedMs: percentiles(samples.map((s) => s.establishedMs)),
    afterHandshakeMs: percentiles(samples.map((s) => s.establishedMs - s.openMs)),
  };
}

async function main(): Promise<void> {
  const runtime = await startBenchRuntime({
    env: { TOPICAST_PUSHER_APP_ID: 'bench', TOPICAST_PUSHER_KEY: 'bench-key', TOPICAST_PUSHER_SECRET: 'bench-secret' },
    write: (line) => void process.stderr.write(`${line}\n`),
  });
  const gateway = { url: runtime.apis[0]?.url ?? '' };
  try {
    for (let i = 0; i < WARMUP; i += 1) (await connectOnce(gateway.url)).socket.close();
    const sequential: Sample[] = [];
    for (let i = 0; i < SEQUENTIAL; i += 1) {
      const { sample, socket } = await connectOnce(gateway.url);
      sequential.push(sample);
      socket.close();
    }
    const burst = await Promise.all(Array.from({ length: BURST }, () => connectOnce(gateway.url)));
    for (const { socket } of burst) socket.close();
    const result = {
      measuredAt: new Date().toISOString(),
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      sequential: summary(sequential),
      [`burst${BURST}`]: summary(burst.map(({ sample }) => sample)),
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/pusher-connect.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await runtime.end();
  }
}

await main();
