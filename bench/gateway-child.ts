/**
 * The server side of `npm run bench`, in a process of its own so its CPU can be measured
 * apart from the WebSocket clients: an embedded dynalite behind a counting proxy, and this
 * repository's app run from its template as `npm start` runs it (bench/template-runtime.ts),
 * its DynamoDB the proxy. The functions run in child processes of this one: the CPU reported
 * is this process's and all its descendants' (bench/process-tree-cpu.ts), and so is the memory.
 *
 * The proxy adds `ReturnConsumedCapacity: TOTAL` to every request that accepts it
 * (dynalite computes capacity units as DynamoDB does) and counts requests and units.
 * Controlled by the parent over IPC: `reset` zeroes the counters and the CPU baseline,
 * `read` answers them, `stop` exits.
 */
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { listen, startCountingProxy, type DynamoCounters } from './dynamo-counter.js';
import { processTreeCpuUs, processTreeRssMb } from './process-tree-cpu.js';
import { startBenchRuntime } from './template-runtime.js';
import type { TopicastConfigInput } from '../lambdas/core/config.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type { DynamoCounters };

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'counters'; dynamo: DynamoCounters; cpuUs: number; rssMb: number };

export type ParentMessage = { type: 'reset' } | { type: 'read' } | { type: 'stop' };

/** The bench topic: no presence (a join would otherwise fan out to everyone already there), no push rate limit. */
export const BENCH_CONFIG: TopicastConfigInput = {
  presenceDisabled: ['bench:*'],
  limits: { maxPushesPerWindow: 1_000_000 },
};

async function main(): Promise<void> {
  let counters: DynamoCounters = { requests: {}, readUnits: 0, writeUnits: 0 };

  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const dynamoPort = await listen(store);
  const proxy = await startCountingProxy(dynamoPort, () => counters);
  // Warnings and errors only (quiet): a function that fails says why.
  const runtime = await startBenchRuntime({ config: BENCH_CONFIG, dynamoEndpoint: `http://127.0.0.1:${proxy.port}`, write: (line) => void process.stderr.write(`${line}\n`) });
  let cpuBaseline = processTreeCpuUs();

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'reset':
        counters = { requests: {}, readUnits: 0, writeUnits: 0 };
        cpuBaseline = processTreeCpuUs();
        process.send?.({ type: 'counters', dynamo: counters, cpuUs: 0, rssMb: processTreeRssMb() } satisfies ChildMessage);
        break;
      case 'read':
        process.send?.({ type: 'counters', dynamo: counters, cpuUs: processTreeCpuUs() - cpuBaseline, rssMb: processTreeRssMb() } satisfies ChildMessage);
        break;
      case 'stop':
        void runtime.end().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: runtime.apis[0]?.url ?? '' } satisfies ChildMessage);
}

await main();
