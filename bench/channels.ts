/**
 * `npm run bench:channels`: what a channel module adds to a join and a push.
 *
 * The real join and push handlers on one embedded dynalite (over HTTP, as in every local
 * run), with a Management API sender that accepts everything (fan-out is measured by
 * `npm run bench`; here only the module's share matters). Three setups, interleaved per
 * iteration so machine noise hits them alike:
 *   built-in  no module: join admitted by the rules, push broadcast as sent
 *   module    a module that assigns at join and replies in handleIn, no storage
 *   chat      examples/chat/room.ts: history read at join, append and broadcast per shout
 * Reports DynamoDB requests per operation (counted on the client) and handler time
 * p50/p95, then the bundle size of join and push without and with the example modules.
 * BENCH_QUICK=1 takes fewer samples.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelDefinition } from '../lambdas/core/channels/definition.js';
import { installChannel } from '../lambdas/core/channels/registry.js';
import { resolveConfig } from '../lambdas/core/config.js';
import type { GatewayHandler } from '../lambdas/handlers/api-gateway-event.js';
import { createConnectHandler } from '../lambdas/handlers/connect.js';
import { createJoinHandler } from '../lambdas/handlers/join.js';
import { createPushHandler } from '../lambdas/handlers/push.js';
import { ensureTable, startDynamoDb } from '../local-gateway/dynamodb.js';
import { benchDependencies } from './in-process.js';
import room from '../examples/chat/room.js';
import { bundleFunctions } from './bundles.js';
import { benchEvent, percentile, r2 } from './handler-events.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ITERATIONS = QUICK ? 60 : 300;
const SUBSCRIBERS = 10;

const quietModule: ChannelDefinition = {
  topic: 'module:*',
  join: (_topic, params, socket) => {
    socket.assign({ name: String(params.name ?? 'anon') });
    return { ok: {} };
  },
  handleIn: async (event, payload, socket) => {
    await socket.broadcast(event, payload);
    return { reply: { ok: {} } };
  },
};

const SETUPS = [
  { name: 'built-in', topic: 'plain:bench', payload: { body: 'hello' } },
  { name: 'module', topic: 'module:bench', payload: { body: 'hello' } },
  { name: 'chat', topic: 'room:bench', payload: { body: 'hello' } },
] as const;

type Op = 'join' | 'push';


async function main(): Promise<void> {
  const dynamo = await startDynamoDb({});
  const tableName = 'topicast-bench-channels';
  await ensureTable(dynamo.client, tableName);
  const requests: string[] = [];
  dynamo.documentClient.middlewareStack.add((next, context) => async (args) => {
    requests.push(String((context as { commandName?: string }).commandName));
    return next(args);
  }, { step: 'initialize', name: 'countRequests' });

  const config = resolveConfig({ auth: 'none', limits: { maxPushesPerWindow: 1_000_000 } });
  const deps = benchDependencies({
    documentClient: dynamo.documentClient,
    tableName,
    config,
    channelModules: [installChannel(quietModule, 'bench quiet module'), installChannel(room, 'examples/chat/room.ts')],
  });
  const handlers: Record<'connect' | 'join' | 'push', GatewayHandler> = {
    connect: createConnectHandler(() => deps),
    join: createJoinHandler(() => deps),
    push: createPushHandler(() => deps),
  };

  const samples: Record<string, Record<Op, number[]>> = {};
  const counts: Record<string, Record<Op, Record<string, number>>> = {};
  for (const setup of SETUPS) {
    samples[setup.name] = { join: [], push: [] };
    counts[setup.name] = { join: {}, push: {} };
    for (let i = 0; i < SUBSCRIBERS; i += 1) {
      const id = `${setup.name}-sub-${i}`;
      await handlers.connect(benchEvent('$connect', id));
      await handlers.join(benchEvent('join', id, JSON.stringify({ action: 'join', topic: setup.topic, payload: { name: id } })));
    }
    await handlers.connect(benchEvent('$connect', `${setup.name}-actor`));
  }

  const timed = async (setup: (typeof SETUPS)[number], op: Op, body: string, record: boolean) => {
    requests.length = 0;
    const started = performance.now();
    await handlers[op](benchEvent(op, `${setup.name}-actor`, body));
    const ms = performance.now() - started;
    if (!record) return;
    samples[setup.name]![op].push(ms);
    const tally = counts[setup.name]![op];
    for (const name of requests) tally[name] = (tally[name] ?? 0) + 1;
  };

  // Warm up every path once (SDK middleware, first connections), then measure interleaved.
  for (let i = 0; i < ITERATIONS + 10; i += 1) {
    for (const setup of SETUPS) {
      const record = i >= 10;
      await timed(setup, 'join', JSON.stringify({ action: 'join', topic: setup.topic, payload: { name: 'Actor' }, ref: String(i) }), record);
      await timed(setup, 'push', JSON.stringify({ action: 'push', topic: setup.topic, event: 'shout', payload: setup.payload, ref: String(i) }), record);
    }
  }
  await dynamo.end();

  process.stdout.write(`channel modules: ${ITERATIONS} joins and pushes per setup, ${SUBSCRIBERS} subscribers, handlers on embedded dynalite\n`);
  process.stdout.write('| setup | op | DynamoDB requests per op | p50 ms | p95 ms | p50 vs built-in |\n|---|---|---|---|---|---|\n');
  for (const op of ['join', 'push'] as const) {
    const base = percentile([...samples['built-in']![op]].sort((a, b) => a - b), 50);
    for (const setup of SETUPS) {
      const sorted = [...samples[setup.name]![op]].sort((a, b) => a - b);
      const perOp = Object.entries(counts[setup.name]![op])
        .sort()
        .map(([name, n]) => `${name.replace('Command', '')} ${r2(n / ITERATIONS)}`)
        .join(', ');
      const p50 = percentile(sorted, 50);
      process.stdout.write(`| ${setup.name} | ${op} | ${perOp} | ${r2(p50)} | ${r2(percentile(sorted, 95))} | ${r2(p50 / base)}x |\n`);
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'topicast-bench-channels-'));
  try {
    const plain = await bundleFunctions(join(dir, 'plain'), { names: ['join', 'push'] });
    const withModules = await bundleFunctions(join(dir, 'chat'), { names: ['join', 'push'], channels: ['examples/chat/room.ts', 'examples/chat/inbox.ts'] });
    process.stdout.write('\n| function | bundle without modules (KB) | with examples/chat room + inbox (KB) | change (KB) |\n|---|---|---|---|\n');
    for (const name of ['join', 'push'] as const) {
      const [a, b] = [plain[name]!.bytes / 1024, withModules[name]!.bytes / 1024];
      process.stdout.write(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | +${(b - a).toFixed(1)} |\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
