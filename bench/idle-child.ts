/**
 * The server side of `npm run bench:idle`: an embedded dynalite behind the counting proxy
 * and this repository's app run from its template as `npm start` runs it
 * (bench/template-runtime.ts), with a compressed clock (argv[2]: the factor every API
 * Gateway and presence interval is divided by). It counts what the runtime really ran:
 * every function invocation with its duration and the template's memory (connect,
 * disconnect, routes, presence windows, worker batches, grace timers), DynamoDB requests and
 * units. The parent reads them over IPC (`reset`, `read`), as bench/gateway-child.ts.
 */
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { API_GATEWAY_LIMITS } from '../lambdas/core/api-gateway-limits.js';
import { PRESENCE_LIMITS } from '../lambdas/core/presence-readers.js';
import type { FunctionModel } from '../local-runtime/assembly/local-app.js';
import type { LocalRuntime } from '../local-runtime/runtime.js';
import { emptyDynamoCounters, listen, startCountingProxy, type DynamoCounters } from './dynamo-counter.js';
import { startBenchRuntime } from './template-runtime.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BENCH_GRACE_MS = 3000;

export interface Invocations {
  /**
   * Per function (its route key, else its construct id in kebab case: `presence`,
   * `fanout-worker`, `presence-grace`): runs, their durations rounded up to the ms as Lambda
   * bills, and the function's memory in the template.
   */
  readonly [fn: string]: { count: number; billedMs: number; memoryMb: number };
}

export interface IdleCounters {
  readonly dynamo: DynamoCounters;
  readonly invocations: Invocations;
  /** When each `$disconnect` ran (Date.now()). */
  readonly disconnects: readonly number[];
}

export type IdleChildMessage = { type: 'ready'; url: string; port: number } | { type: 'counters'; counters: IdleCounters };
export type IdleParentMessage = { type: 'reset' } | { type: 'read' };

/** `$connect` for the connect function, `presence-grace` for RealtimePresenceGraceF8D59B57. */
function functionLabels(runtime: LocalRuntime): (fn: FunctionModel) => string {
  const routeKeys = new Map<string, string>();
  for (const api of runtime.app.apis) for (const route of api.routes) if (route.functionArn && !routeKeys.has(route.functionArn)) routeKeys.set(route.functionArn, route.routeKey);
  return (fn) =>
    routeKeys.get(fn.arn) ??
    fn.logicalId
      .replace(/^Realtime/, '')
      .replace(/[0-9A-F]{8}$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase();
}

async function main(): Promise<void> {
  const scale = Number(process.argv[2] ?? 1);
  let dynamo = emptyDynamoCounters();
  let invocations: Record<string, { count: number; billedMs: number; memoryMb: number }> = {};
  let disconnects: number[] = [];
  let labelOf: (fn: FunctionModel) => string = (fn) => fn.logicalId;

  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const proxy = await startCountingProxy(await listen(store), () => dynamo);
  const runtime = await startBenchRuntime({
    dynamoEndpoint: `http://127.0.0.1:${proxy.port}`,
    // The grace period covers a reconnect's latency, which the compressed clock does not
    // compress: divided (125 ms), a rejoin slowed down by this busy machine would miss it;
    // whole (15 s), each held row would outlive the next 30 simulated minutes of reconnects,
    // and a room would hold far more of them than on AWS. 3 s covers a slow rejoin here.
    config: { presence: { windowMs: Math.max(1, Math.round(PRESENCE_LIMITS.defaultWindowMs / scale)), graceMs: BENCH_GRACE_MS } },
    // Warnings and errors (a function that failed or timed out) go to stderr.
    write: (line) => void process.stderr.write(`${line}\n`),
    runtime: {
      idleTimeoutMs: (API_GATEWAY_LIMITS.idleSeconds * 1000) / scale,
      maxConnectionMs: (API_GATEWAY_LIMITS.maxConnectionSeconds * 1000) / scale,
      onInvocation: (fn, _invocation, durationMs) => {
        const label = labelOf(fn);
        const entry = (invocations[label] ??= { count: 0, billedMs: 0, memoryMb: fn.memoryMb });
        entry.count += 1;
        entry.billedMs += Math.max(1, Math.ceil(durationMs));
        if (label === '$disconnect') disconnects.push(Date.now());
      },
    },
  });
  labelOf = functionLabels(runtime);
  const api = runtime.apis[0];
  if (!api) throw new Error('the app has no WebSocket API');

  process.on('message', (message: IdleParentMessage) => {
    if (message.type === 'reset') {
      dynamo = emptyDynamoCounters();
      invocations = {};
      disconnects = [];
    }
    process.send?.({ type: 'counters', counters: { dynamo, invocations, disconnects } } satisfies IdleChildMessage);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: api.url, port: api.port } satisfies IdleChildMessage);
}

await main();
