/**
 * `npm run bench:history`: what history adds to a broadcast and to a join.
 *
 * The real push and join handlers on one embedded dynalite (over HTTP, as every local run),
 * with a Management API sender that accepts and counts every post. Every DynamoDB request
 * asks for ReturnConsumedCapacity, so the capacity units are DynamoDB's own arithmetic
 * (dynalite computes them as DynamoDB does: writes per 1 KB, strong reads per 4 KB), and
 * dollars follow from the on-demand prices in bench/cost.ts. Setups, interleaved per
 * iteration so machine noise hits them alike:
 *   push   a topic without history, and with history, at payloads of 100 B and 2 KB
 *   join   without history; with history and no `since`; replaying 10 and 100 messages of 100 B
 * BENCH_QUICK=1 takes fewer samples.
 */
import { resolveConfig } from '../lambdas/core/config.js';
import { publish } from '../lambdas/core/use-cases/publish.js';
import type { GatewayHandler } from '../lambdas/handlers/api-gateway-event.js';
import { createConnectHandler } from '../lambdas/handlers/connect.js';
import { createJoinHandler } from '../lambdas/handlers/join.js';
import { createPushHandler } from '../lambdas/handlers/push.js';
import { ensureTable, startDynamoDb } from '../local-gateway/dynamodb.js';
import { PRICES, PRICES_DATE } from './cost.js';
import { benchDependencies, countCapacity } from './in-process.js';
import { benchEvent, percentile, r2 } from './handler-events.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ITERATIONS = QUICK ? 30 : 150;

interface Tally {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  posts: number;
  ms: number[];
}

const newTally = (): Tally => ({ requests: {}, readUnits: 0, writeUnits: 0, posts: 0, ms: [] });


async function main(): Promise<void> {
  const dynamo = await startDynamoDb({});
  const tableName = 'topicast-bench-history';
  await ensureTable(dynamo.client, tableName);
  let current: Tally | null = null;
  countCapacity(dynamo.documentClient, () => current);

  const config = resolveConfig({
    auth: 'none',
    limits: { maxPushesPerWindow: 1_000_000, maxJoinsPerWindow: 1_000_000 },
    presenceDisabled: ['*'],
    history: { 'room:*': { maxMessages: 100, ttlSeconds: 3600 } },
  });
  const deps = benchDependencies({
    documentClient: dynamo.documentClient,
    tableName,
    config,
    onPost: () => {
      if (current) current.posts += 1;
    },
  });
  const handlers: Record<'connect' | 'join' | 'push', GatewayHandler> = {
    connect: createConnectHandler(() => deps),
    join: createJoinHandler(() => deps),
    push: createPushHandler(() => deps),
  };

  const small = { body: 'x'.repeat(88) };
  const large = { body: 'x'.repeat(2036) };
  const pushes = [
    { name: 'no history, 100 B', topic: 'plain:push', payload: small },
    { name: 'history, 100 B', topic: 'room:push-small', payload: small },
    { name: 'no history, 2 KB', topic: 'plain:push-large', payload: large },
    { name: 'history, 2 KB', topic: 'room:push-large', payload: large },
  ];
  // The replay topics hold 120 messages of 100 B; a join asks for the last 10 or 100.
  const seqs: number[] = [];
  for (let n = 0; n < 120; n += 1) seqs.push((await publish(deps, { topic: 'room:replay', event: 'shout', payload: small })).seq as number);
  const last = seqs[seqs.length - 1] as number;
  const joins = [
    { name: 'no history', topic: 'plain:join', payload: {} },
    { name: 'history, no since', topic: 'room:replay', payload: {} },
    { name: 'history, replays 10', topic: 'room:replay', payload: { since: last - 10 } },
    { name: 'history, replays 100', topic: 'room:replay', payload: { since: last - 100 } },
  ];

  const actor = 'actor';
  await handlers.connect(benchEvent('$connect', actor));
  for (const { topic } of pushes) await handlers.join(benchEvent('join', actor, JSON.stringify({ action: 'join', topic })));
  const tallies = new Map<string, Tally>([...pushes, ...joins].map(({ name }, i) => [`${i < pushes.length ? 'push' : 'join'}: ${name}`, newTally()]));
  const run = async (key: string, handler: GatewayHandler, body: string, record: boolean) => {
    const tally = tallies.get(key) as Tally;
    current = record ? tally : null;
    const started = performance.now();
    await handler(benchEvent('x', actor, body));
    if (record) tally.ms.push(performance.now() - started);
    current = null;
  };
  for (let i = 0; i < ITERATIONS + 5; i += 1) {
    const record = i >= 5;
    for (const p of pushes) await run(`push: ${p.name}`, handlers.push, JSON.stringify({ action: 'push', topic: p.topic, event: 'shout', payload: p.payload, ref: String(i) }), record);
    for (const j of joins) await run(`join: ${j.name}`, handlers.join, JSON.stringify({ action: 'join', topic: j.topic, payload: j.payload, ref: String(i) }), record);
  }
  await dynamo.end();

  process.stdout.write(`history: ${ITERATIONS} of each, one subscriber, presence off, handlers on embedded dynalite; prices of ${PRICES_DATE}\n`);
  process.stdout.write('| operation | DynamoDB requests | read units | write units | frames posted | DynamoDB $ per million | p50 ms |\n|---|---|---|---|---|---|---|\n');
  for (const [key, t] of tallies) {
    const requests = Object.entries(t.requests).sort().map(([name, n]) => `${name.replace('Command', '')} ${r2(n / ITERATIONS)}`).join(', ');
    const [reads, writes] = [t.readUnits / ITERATIONS, t.writeUnits / ITERATIONS];
    const dollars = (reads * PRICES.dynamoReadUnit + writes * PRICES.dynamoWriteUnit) * 1e6;
    const p50 = percentile([...t.ms].sort((a, b) => a - b), 50);
    process.stdout.write(`| ${key} | ${requests} | ${r2(reads)} | ${r2(writes)} | ${r2(t.posts / ITERATIONS)} | ${r2(dollars)} | ${r2(p50)} |\n`);
  }
}

await main();
