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
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { startGateway, type RunningGateway } from '../local-gateway/gateway.js';
import type { TopicastConfigInput } from '../lambdas/core/config.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface DynamoCounters {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

export type ChildMessage =
  | { type: 'ready'; tunedUrl: string; sdkUrl: string }
  | { type: 'counters'; dynamo: DynamoCounters; cpuUs: number; rssMb: number };

export type ParentMessage = { type: 'reset' } | { type: 'read' } | { type: 'stop' };

/** The bench topic: no presence (a join would otherwise fan out to everyone already there), no push rate limit. */
export const BENCH_CONFIG: TopicastConfigInput = {
  presenceDisabled: ['bench:*'],
  limits: { maxPushesPerWindow: 1_000_000 },
};

const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function units(consumed: unknown): number {
  if (Array.isArray(consumed)) return consumed.reduce((sum: number, entry) => sum + units(entry), 0);
  const value = (consumed as { CapacityUnits?: number } | undefined)?.CapacityUnits;
  return typeof value === 'number' ? value : 0;
}

async function startCountingProxy(target: number, counters: () => DynamoCounters): Promise<{ server: Server; port: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((request, response) => {
    void (async () => {
      const op = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      let body = await readAll(request);
      if (READ_OPS.has(op) || WRITE_OPS.has(op)) {
        const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        body = Buffer.from(JSON.stringify(input));
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: target, method: request.method, path: request.url, agent, headers: { ...request.headers, 'content-length': String(body.length) } }, (reply) => {
        void readAll(reply).then((payload) => {
          const c = counters();
          c.requests[op] = (c.requests[op] ?? 0) + 1;
          if (reply.statusCode === 200 && (READ_OPS.has(op) || WRITE_OPS.has(op))) {
            const consumed = units((JSON.parse(payload.toString('utf8')) as { ConsumedCapacity?: unknown }).ConsumedCapacity);
            if (READ_OPS.has(op)) c.readUnits += consumed;
            else c.writeUnits += consumed;
          }
          response.writeHead(reply.statusCode ?? 500, reply.headers).end(payload);
        });
      });
      upstream.on('error', () => response.writeHead(502).end());
      upstream.end(body);
    })();
  });
  server.keepAliveTimeout = 60_000;
  return { server, port: await listen(server) };
}

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
