/**
 * The server side of `npm run bench:idle`: an embedded dynalite behind the counting proxy
 * and one local gateway with a compressed clock (argv[2]: the factor every API Gateway and
 * presence interval is divided by). It counts what the gateway really ran: function
 * invocations and their durations (from its request log: one line per connect, disconnect,
 * route, presence window and worker batch), DynamoDB requests and units. The parent reads
 * them over IPC (`reset`, `read`), as bench/gateway-child.ts.
 */
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import { PRESENCE_LIMITS } from '../lambdas/core/presence-readers.js';
import { startGateway } from '../local-gateway/gateway.js';
import { emptyDynamoCounters, listen, startCountingProxy, type DynamoCounters } from './dynamo-counter.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BENCH_GRACE_MS = 3000;

export interface Invocations {
  /** Per function (route key, `presence`, `fanout-worker`): runs and their durations rounded up to the ms, as Lambda bills. */
  readonly [fn: string]: { count: number; billedMs: number };
}

export interface IdleCounters {
  readonly dynamo: DynamoCounters;
  readonly invocations: Invocations;
  /** When each `$disconnect` ran (Date.now()). */
  readonly disconnects: readonly number[];
}

export type IdleChildMessage = { type: 'ready'; url: string; port: number } | { type: 'counters'; counters: IdleCounters };
export type IdleParentMessage = { type: 'reset' } | { type: 'read' };

async function main(): Promise<void> {
  const scale = Number(process.argv[2] ?? 1);
  let dynamo = emptyDynamoCounters();
  let invocations: Record<string, { count: number; billedMs: number }> = {};
  let disconnects: number[] = [];

  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const proxy = await startCountingProxy(await listen(store), () => dynamo);
  const gateway = await startGateway({
    port: 0,
    quiet: false,
    dynamoEndpoint: `http://127.0.0.1:${proxy.port}`,
    env: { ...process.env },
    idleTimeoutMs: (API_GATEWAY_LIMITS.idleSeconds * 1000) / scale,
    maxConnectionMs: (API_GATEWAY_LIMITS.maxConnectionSeconds * 1000) / scale,
    // The grace period covers a reconnect's latency, which the compressed clock does not
    // compress: divided (125 ms), a rejoin slowed down by this busy machine would miss it;
    // whole (15 s), each held row would outlive the next 30 simulated minutes of reconnects,
    // and a room would hold far more of them than on AWS. 3 s covers a slow rejoin here.
    config: { presence: { windowMs: Math.max(1, Math.round(PRESENCE_LIMITS.defaultWindowMs / scale)), graceMs: BENCH_GRACE_MS } },
    sweepIntervalMs: 3_600_000,
    // `<function> <subject...> [status] <ms>ms [frame label]`: one line per invocation; warnings and errors go to stderr.
    write: (line) => {
      const duration = /^(\S+) .*? ([\d.]+)ms(?: .*)?$/.exec(line);
      if (!duration) {
        process.stderr.write(`${line}\n`);
        return;
      }
      const fn = duration[1] as string;
      const entry = (invocations[fn] ??= { count: 0, billedMs: 0 });
      entry.count += 1;
      entry.billedMs += Math.max(1, Math.ceil(Number(duration[2])));
      if (fn === '$disconnect') disconnects.push(Date.now());
    },
  });

  process.on('message', (message: IdleParentMessage) => {
    if (message.type === 'reset') {
      dynamo = emptyDynamoCounters();
      invocations = {};
      disconnects = [];
    }
    process.send?.({ type: 'counters', counters: { dynamo, invocations, disconnects } } satisfies IdleChildMessage);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: gateway.url, port: gateway.port } satisfies IdleChildMessage);
}

await main();
