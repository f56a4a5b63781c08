/**
 * The server side of `npm run bench`, in a process of its own so its CPU can be measured
 * apart from the WebSocket clients: an embedded dynalite behind a counting proxy, and two
 * local gateways sharing it.
 *   - gateway "tuned" runs the deployed hot path (the signed lean sender);
 *   - gateway "sdk" runs the same handlers with the AWS SDK client at default settings.
 * Subscribers connect to the tuned gateway; a push through the sdk gateway reaches them
 * through the tuned gateway's Management API, so both paths fan out to the same sockets.
 *
 * The proxy adds `ReturnConsumedCapacity: TOTAL` to every request that accepts it
 * (dynalite computes capacity units as DynamoDB does) and counts requests and units.
 * Controlled by the parent over IPC: `reset` zeroes the counters and the CPU baseline,
 * `read` answers them, `stop` exits.
 */
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { listen, startCountingProxy, type DynamoCounters } from './dynamo-counter.js';
import { startGateway, type RunningGateway } from '../local-gateway/gateway.js';
import type { TopicastConfigInput } from '../lambdas/core/config.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type { DynamoCounters };

export type ChildMessage =
  | { type: 'ready'; tunedUrl: string; sdkUrl: string }
  | { type: 'counters'; dynamo: DynamoCounters; cpuUs: number; rssMb: number };

export type ParentMessage = { type: 'reset' } | { type: 'read' } | { type: 'stop' };

/** The bench topic: no presence (a join would otherwise fan out to everyone already there), no push rate limit. */
export const BENCH_CONFIG: TopicastConfigInput = {
  presenceDisabled: ['bench:*'],
  limits: { maxPushesPerWindow: 1_000_000 },
};

async function main(): Promise<void> {
  let counters: DynamoCounters = { requests: {}, readUnits: 0, writeUnits: 0 };
  let cpuBaseline = process.cpuUsage();

  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const dynamoPort = await listen(store);
  const proxy = await startCountingProxy(dynamoPort, () => counters);
  const dynamoEndpoint = `http://127.0.0.1:${proxy.port}`;

  const gateways: RunningGateway[] = [];
  for (const sender of ['tuned', 'sdk']) {
    gateways.push(
      await startGateway({ port: 0, quiet: true, dynamoEndpoint, config: BENCH_CONFIG, env: { ...process.env, TOPICAST_LOCAL_SENDER: sender }, sweepIntervalMs: 3_600_000 }),
    );
  }
  const [tuned, sdk] = gateways as [RunningGateway, RunningGateway];

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'reset':
        counters = { requests: {}, readUnits: 0, writeUnits: 0 };
        cpuBaseline = process.cpuUsage();
        process.send?.({ type: 'counters', dynamo: counters, cpuUs: 0, rssMb: process.memoryUsage.rss() / 2 ** 20 } satisfies ChildMessage);
        break;
      case 'read': {
        const cpu = process.cpuUsage(cpuBaseline);
        process.send?.({ type: 'counters', dynamo: counters, cpuUs: cpu.user + cpu.system, rssMb: process.memoryUsage.rss() / 2 ** 20 } satisfies ChildMessage);
        break;
      }
      case 'stop':
        process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', tunedUrl: tuned.url, sdkUrl: sdk.url } satisfies ChildMessage);
}

await main();
