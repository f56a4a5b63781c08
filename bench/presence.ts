/**
 * `npm run bench:presence` (and part of `npm run bench`): a burst of J joins into a topic
 * of N present members, before (a presence_diff per join, window 0), coalesced by the
 * table stream (default window, no cap) and coalesced with the default presence cap
 * (occupancy past 200 members), counting what AWS bills: Management API posts, DynamoDB
 * requests and capacity units, Lambda invocations. Then the delay coalescing adds.
 *
 * The real connect and join handlers and the real presence stream handler run in this
 * process on an embedded dynalite; the Management API is a sender that counts and accepts
 * every post (fan-out speed is `npm run bench`'s subject, not this one's). The stream is
 * the local gateway's emulator fed by the same client middleware; for the burst its
 * windows are closed by the bench (the burst is spread over WINDOWS windows, as 1,000
 * joins are over API Gateway's default stage throttle of 1,000 requests per second), so
 * the counts do not depend on this machine's speed. The delay is then measured with the
 * real 1 s window timer.
 *
 * DynamoDB Streams reads by a Lambda trigger are free; Lambda compute is not counted.
 * BENCH_QUICK=1 runs 200 joins into 200 members.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../lambdas/core/config.js';
import { mapWithConcurrency } from '../lambdas/core/concurrency.js';
import { PRESENCE_LIMITS, presenceStreamReaders } from '../lambdas/core/presence-readers.js';
import { createConnectHandler } from '../lambdas/handlers/connect.js';
import { createJoinHandler } from '../lambdas/handlers/join.js';
import { createPresenceStreamHandler } from '../lambdas/handlers/presence-stream.js';
import { startCapturedTable } from '../test/support/captured-table.js';
import { connectEvent, messageEvent } from '../test/support/gateway-events.js';
import { PRICES } from './cost.js';
import { benchDependencies, countCapacity, type CapacityTally } from './in-process.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const QUICK = process.env.BENCH_QUICK === '1';
export const BURST = { members: QUICK ? 200 : 1000, joins: QUICK ? 200 : 1000, windows: 2, windowMs: 1000, concurrency: 50 } as const;
const DELAY_SAMPLES = 5;
const TOPIC = 'room:burst';


export interface BurstTally {
  readonly posts: number;
  readonly dynamoRequests: number;
  readonly requestsByCommand: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Join invocations plus presence function invocations. */
  readonly lambdaInvocations: number;
  readonly presenceInvocations: number;
  readonly dollars: number;
}

export interface PresenceBenchResult {
  readonly members: number;
  readonly joins: number;
  readonly windows: number;
  readonly before: BurstTally;
  /** Coalesced, with the cap out of the way (maxMembers 10,000). */
  readonly after: BurstTally;
  /** Coalesced, with the default cap: past it, occupancy counts instead of diffs. */
  readonly capped: BurstTally;
  readonly cap: number;
  /** Milliseconds from a join's reply to the last post of the diff announcing it, with the real 1 s window. */
  readonly delayMs: { readonly samples: number; readonly median: number; readonly max: number };
}

interface Counters extends CapacityTally {
  posts: number;
  presenceInvocations: number;
  presenceDoneAt: number[];
}

type BurstMode = 'before' | 'after' | 'capped';

async function runBurst(mode: BurstMode, measureDelay: boolean): Promise<{ tally: BurstTally; delays: number[] }> {
  // The burst's windows are closed by hand (flush); the delay run uses the real window.
  let windowSeconds = 3600;
  let presence: ReturnType<typeof createPresenceStreamHandler> | undefined;
  // A table whose stream is captured as the template runtime captures it, with topicast's presence mapping.
  const table = await startCapturedTable(
    async (event) => {
      counters.presenceInvocations += 1;
      const response = await (presence as NonNullable<typeof presence>)(event);
      counters.presenceDoneAt.push(performance.now());
      return response;
    },
    { batchingWindowSeconds: () => windowSeconds },
  );
  const tableName = table.tableName;
  const refusals: string[] = [];
  const counters: Counters = { posts: 0, requests: {}, readUnits: 0, writeUnits: 0, presenceInvocations: 0, presenceDoneAt: [] };
  countCapacity(table.documentClient, () => counters);

  const config = resolveConfig({
    auth: 'none',
    presence: { windowMs: mode === 'before' ? 0 : BURST.windowMs, ...(mode === 'after' ? { maxMembers: PRESENCE_LIMITS.maxMaxMembers } : {}) },
  });
  const deps = benchDependencies({
    documentClient: table.documentClient,
    tableName,
    config,
    onPost: (data) => {
      counters.posts += 1;
      if (data.includes('"phx_reply"') && data.includes('"error"')) refusals.push(data);
    },
  });
  const connect = createConnectHandler(() => deps);
  const join = createJoinHandler(() => deps);
  const [reader] = presenceStreamReaders(config.presence);
  if (!reader) throw new Error('no presence reader');
  presence = createPresenceStreamHandler(() => ({ ...deps, reader }));

  const joinAs = async (id: string, name: string) => {
    // A join's reply and presence_state are posted (two-way route with several frames).
    await join(messageEvent(id, JSON.stringify({ action: 'join', topic: TOPIC, payload: { meta: { name } }, ref: '1' })));
    if (refusals.length > 0) throw new Error(`join refused: ${refusals[0]}`);
  };
  const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}=`);

  // The N members, then the J joiners' connections: neither is part of the burst's bill.
  const members = ids('Member', BURST.members);
  const joiners = ids('Joiner', BURST.joins);
  await mapWithConcurrency([...members, ...joiners], BURST.concurrency, (id) => connect(connectEvent(id)));
  await mapWithConcurrency(members, BURST.concurrency, (id) => joinAs(id, id));
  await table.flush();
  Object.assign(counters, { posts: 0, requests: {}, readUnits: 0, writeUnits: 0, presenceInvocations: 0 });

  const perWindow = Math.ceil(joiners.length / BURST.windows);
  for (let w = 0; w < BURST.windows; w += 1) {
    await mapWithConcurrency(joiners.slice(w * perWindow, (w + 1) * perWindow), BURST.concurrency, (id) => joinAs(id, id));
    await table.flush();
  }
  const dynamoRequests = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
  const lambdaInvocations = joiners.length + counters.presenceInvocations;
  const tally: BurstTally = {
    posts: counters.posts,
    dynamoRequests,
    requestsByCommand: { ...counters.requests },
    readUnits: Math.round(counters.readUnits),
    writeUnits: Math.round(counters.writeUnits),
    lambdaInvocations,
    presenceInvocations: counters.presenceInvocations,
    dollars:
      counters.posts * PRICES.apiGatewayMessage +
      counters.readUnits * PRICES.dynamoReadUnit +
      counters.writeUnits * PRICES.dynamoWriteUnit +
      lambdaInvocations * PRICES.lambdaRequest,
  };

  const delays: number[] = [];
  if (measureDelay) {
    windowSeconds = BURST.windowMs / 1000;
    const late = ids('Late', DELAY_SAMPLES);
    for (const id of late) await connect(connectEvent(id));
    for (const id of late) {
      const seen = counters.presenceDoneAt.length;
      await joinAs(id, id);
      const replied = performance.now();
      while (counters.presenceDoneAt.length === seen) await new Promise((resolve) => setTimeout(resolve, 5));
      delays.push((counters.presenceDoneAt[seen] as number) - replied);
    }
  }
  await table.stop();
  return { tally, delays };
}

export async function measurePresenceBurst(log: (message: string) => void = () => undefined): Promise<PresenceBenchResult> {
  log(`presence burst: ${BURST.joins} joins into ${BURST.members} members, before (a diff per join)`);
  const before = await runBurst('before', false);
  log(`presence burst: after (coalesced over ${BURST.windows} windows of ${BURST.windowMs} ms, no cap), then the delay`);
  const after = await runBurst('after', true);
  log(`presence burst: coalesced with the default cap of ${PRESENCE_LIMITS.defaultMaxMembers} members (occupancy past it)`);
  const capped = await runBurst('capped', false);
  const sorted = [...after.delays].sort((a, b) => a - b);
  return {
    members: BURST.members,
    joins: BURST.joins,
    windows: BURST.windows,
    before: before.tally,
    after: after.tally,
    capped: capped.tally,
    cap: PRESENCE_LIMITS.defaultMaxMembers,
    delayMs: { samples: sorted.length, median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: Math.round(sorted[sorted.length - 1] ?? 0) },
  };
}

export function renderPresenceMarkdown(result: PresenceBenchResult): string {
  const money = (d: number) => `$${d.toFixed(d < 0.01 ? 4 : 2)}`;
  const row = (label: string, t: BurstTally) =>
    `| ${label} | ${t.posts.toLocaleString('en-US')} | ${t.dynamoRequests.toLocaleString('en-US')} | ${t.readUnits.toLocaleString('en-US')} / ${t.writeUnits.toLocaleString('en-US')} | ${t.lambdaInvocations.toLocaleString('en-US')} | ${money(t.dollars)} |`;
  return [
    `A burst of ${result.joins.toLocaleString('en-US')} joins into a topic of ${result.members.toLocaleString('en-US')} present members, spread over ${result.windows} windows (\`npm run bench:presence\`):`,
    '',
    '| | Management API posts | DynamoDB requests | read / write units | Lambda invocations | dollars (posts + DynamoDB + requests) |',
    '|---|---|---|---|---|---|',
    row('before: a diff per join (`windowMs: 0`)', result.before),
    row(`coalesced, no cap (\`windowMs: ${BURST.windowMs}\`, \`maxMembers: ${PRESENCE_LIMITS.maxMaxMembers}\`)`, result.after),
    row(`after: coalesced with the default cap (\`maxMembers: ${result.cap}\`: occupancy counts)`, result.capped),
    '',
    `Posts: ${(result.before.posts / Math.max(1, result.after.posts)).toFixed(0)}x fewer coalesced, ${(result.before.posts / Math.max(1, result.capped.posts)).toFixed(0)}x fewer capped. Read units: ${(result.before.readUnits / Math.max(1, result.capped.readUnits)).toFixed(1)}x fewer capped (a join reads at most ${result.cap + 1} members). Presence delay added (local, from a join's reply to the last post of its diff, ${result.delayMs.samples} joins into ${result.members.toLocaleString('en-US')} members): median ${result.delayMs.median} ms, max ${result.delayMs.max} ms.`,
  ].join('\n');
}

const START = '<!-- presence-bench:start -->';
const END = '<!-- presence-bench:end -->';

export function writePresenceResults(result: PresenceBenchResult, docPath: string, jsonPath: string): void {
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  const doc = readFileSync(docPath, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${docPath} needs the markers ${START} and ${END}`);
  writeFileSync(docPath, `${doc.slice(0, start + START.length)}\n${renderPresenceMarkdown(result)}\n${doc.slice(end)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measurePresenceBurst((message) => process.stdout.write(`${message}\n`));
  process.stdout.write(`${renderPresenceMarkdown(result)}\n`);
  writePresenceResults(result, new URL('../docs/performance.md', import.meta.url).pathname, new URL('./results/presence.json', import.meta.url).pathname);
}
