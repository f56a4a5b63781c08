/**
 * `npm run bench`: fan-out at scale, measured side by side in one run.
 *
 * Processes: this harness (WebSocket clients, timing, the HTTP sink of the CPU
 * measurement), bench/gateway-child.ts (dynalite behind a counting proxy, and this
 * repository's app run from its template as `npm start` runs it), bench/floor-child.ts (a bare `ws`
 * broadcast), bench/cpu-child.ts (one per sender measurement), bench/capacity.ts (a
 * many-topic steady load and a ramp to saturation, on a gateway child of its own). Keeping
 * the gateway in its own process makes its CPU measurable apart from the 5000 clients';
 * the clients time every push with one clock.
 *
 * Writes bench/results/latest.json, docs/performance-fanout.svg and the results block of
 * docs/performance.md. Environment: BENCH_QUICK=1 takes fewer samples and stops at 1000.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { measureBundles } from './bundles.js';
import { measureCapacity } from './capacity.js';
import { measurePresenceBurst, writePresenceResults } from './presence.js';
import { idleSummary, measureIdle, writeIdleDocs } from './idle.js';
import { DEFAULT_LIMITS } from '../lambdas/core/config.js';
import { DEFAULTS } from '../lib/realtime-api-defaults.js';
import {
  ablyPerMillion,
  appSyncEventsPerMillion,
  counterWriteUnitsPerPush,
  DEFAULT_ASSUMPTIONS,
  MEMBERSHIP_READ_UNITS,
  paperModel,
  perMillionDeliveries,
  PRICES,
  PRICES_DATE,
  pushCost,
  pusherClientEventCost,
  pusherTriggerCost,
  round,
  type PushCost,
  type PushMeasurements,
} from './cost.js';
import type { ChildMessage, DynamoCounters, ParentMessage } from './gateway-child.js';
import { renderChart, renderMarkdown, replaceBetweenMarkers, type BenchResults } from './report.js';
import { forkChild, here, join, open, percentile, pool } from './ws-clients.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [1, 10, 100, 1000] : [1, 10, 100, 1000, 5000];
const SAMPLES: Record<'tuned' | 'floor', Record<number, number>> = QUICK
  ? { tuned: { 1: 10, 10: 10, 100: 8, 1000: 4 }, floor: { 1: 10, 10: 10, 100: 8, 1000: 4 } }
  : { tuned: { 1: 40, 10: 40, 100: 30, 1000: 15, 5000: 6 }, floor: { 1: 40, 10: 40, 100: 30, 1000: 20, 5000: 10 } };
const CPU_DELIVERIES = QUICK ? 1000 : 3000;
const CPU_ROUNDS = QUICK ? 1 : 3;
const CPU_MODES = ['sdk-default', 'tuned', 'smithy-signer', 'signed-node-http', 'sdk-keepalive'] as const;
const PUSH_TIMEOUT_MS = 60_000;
const CAPACITY_SECONDS = QUICK ? 20 : 60;
const TOPIC = 'bench:fanout';

const started = performance.now();
function log(message: string): void {
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------
// Statistics

const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);
const r1 = (value: number) => Math.round(value * 10) / 10;
const r2 = (value: number) => Math.round(value * 100) / 100;

export interface LatencyRow {
  readonly subscribers: number;
  readonly samples: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly deliveries_per_s: number;
}

function summarize(subscribers: number, latencies: readonly number[]): LatencyRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    subscribers,
    samples: sorted.length,
    p50_ms: r2(percentile(sorted, 50)),
    p95_ms: r2(percentile(sorted, 95)),
    p99_ms: r2(percentile(sorted, 99)),
    deliveries_per_s: Math.round(subscribers / (mean / 1000)),
  };
}

// ---------------------------------------------------------------------------------------
// Child processes

function ask(child: ChildProcess, message: ParentMessage): Promise<Extract<ChildMessage, { type: 'counters' }>> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as Extract<ChildMessage, { type: 'counters' }>));
    child.send(message);
  });
}

// ---------------------------------------------------------------------------------------
// CPU per delivery: one child per measurement, posting to a sink in this process

async function measureCpu(): Promise<Record<(typeof CPU_MODES)[number], number>> {
  const sink: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end());
  });
  sink.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/bench`;
  const runs: Record<string, number[]> = {};
  try {
    for (let round = 1; round <= CPU_ROUNDS; round += 1) {
      for (const mode of CPU_MODES) {
        const output = await new Promise<string>((resolve, reject) => {
          const child = fork(here('cpu-child.ts'), [mode, endpoint, String(CPU_DELIVERIES), '500'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
          let text = '';
          child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
          child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`cpu-child ${mode} exited with ${String(code)}`))));
        });
        const result = JSON.parse(output.trim().split('\n').pop() as string) as { cpu_us_per_delivery: number; outcomes: { delivered: number } };
        if (result.outcomes.delivered !== CPU_DELIVERIES) throw new Error(`cpu-child ${mode} delivered ${result.outcomes.delivered} of ${CPU_DELIVERIES}`);
        (runs[mode] ??= []).push(result.cpu_us_per_delivery);
        log(`  cpu round ${round}/${CPU_ROUNDS} ${mode.padEnd(16)} ${result.cpu_us_per_delivery.toFixed(1)} us/delivery`);
      }
    }
  } finally {
    sink.closeAllConnections();
    sink.close();
  }
  return Object.fromEntries(CPU_MODES.map((mode) => [mode, r1(median(runs[mode] as number[]))])) as Record<(typeof CPU_MODES)[number], number>;
}

// ---------------------------------------------------------------------------------------
// WebSocket clients

/** Counts the deliveries of the push in flight, over every subscriber socket. */
class DeliveryTracker {
  private seq = -1;
  private needed = 0;
  private received = 0;
  private finish: ((at: number) => void) | undefined;

  public arm(seq: number, needed: number): Promise<number> {
    this.seq = seq;
    this.needed = needed;
    this.received = 0;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`push ${seq}: ${this.received} of ${needed} deliveries after ${PUSH_TIMEOUT_MS} ms`)), PUSH_TIMEOUT_MS);
      this.finish = (at) => {
        clearTimeout(timer);
        resolve(at);
      };
    });
  }

  public onMessage(data: Buffer): void {
    const at = performance.now();
    const match = /"s":(\d+)/.exec(data.toString('latin1'));
    if (!match || Number(match[1]) !== this.seq) return;
    this.received += 1;
    if (this.received === this.needed) this.finish?.(at);
  }
}

const frameFor = (seq: number) => ({ s: seq, body: 'x'.repeat(100) });
let seqCounter = 0;

// ---------------------------------------------------------------------------------------
// The floor: a bare ws broadcast

async function measureFloor(): Promise<LatencyRow[]> {
  const { child, ready } = await forkChild<{ url: string }>('floor-child.ts');
  const tracker = new DeliveryTracker();
  const subscribers: WebSocket[] = [];
  const max = SIZES[SIZES.length - 1] as number;
  try {
    await pool(max, 100, async (index) => {
      const socket = await open(`${ready.url}/sub`);
      socket.on('message', (data: Buffer) => tracker.onMessage(data));
      subscribers[index] = socket;
    });
    const publisher = await open(`${ready.url}/pub`);
    const rows: LatencyRow[] = [];
    for (const size of SIZES) {
      const latencies: number[] = [];
      for (let i = -2; i < (SAMPLES.floor[size] as number); i += 1) {
        const seq = (seqCounter += 1);
        // The frame topicast would send, so both carry the same bytes.
        const frame = JSON.stringify({ topic: TOPIC, event: 'tick', payload: frameFor(seq) });
        const done = tracker.arm(seq, size);
        const t0 = performance.now();
        publisher.send(JSON.stringify({ n: size, frame }));
        const at = await done;
        if (i >= 0) latencies.push(at - t0);
      }
      const row = summarize(size, latencies);
      rows.push(row);
      log(`  floor  ${String(size).padStart(5)} subscribers: p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.deliveries_per_s} deliveries/s`);
    }
    publisher.terminate();
    return rows;
  } finally {
    child.kill('SIGKILL');
    for (const socket of subscribers) socket?.terminate();
  }
}

// ---------------------------------------------------------------------------------------
// topicast through the local gateway

interface GatewayRow extends LatencyRow {
  readonly gateway_cpu_us_per_delivery: number;
  readonly dynamodb_requests_per_push: number;
  readonly dynamodb_requests_by_operation: Record<string, number>;
  readonly read_units_per_push: number;
  readonly write_units_per_push: number;
}

/**
 * The tuned sender only: the template deploys no other, so the SDK default cannot be run
 * through the local gateway any more; measureCpu compares the senders on the same delivery path.
 */
async function measureTopicast(): Promise<{ tuned: GatewayRow[]; setupMs: number; gatewayRssMb: number }> {
  const { child, ready } = await forkChild<Extract<ChildMessage, { type: 'ready' }>>('gateway-child.ts');
  const tracker = new DeliveryTracker();
  const subscribers: WebSocket[] = [];
  const pushers: WebSocket[] = [];
  try {
    const pusher = await open(ready.url);
    pushers.push(pusher);
    await join(pusher, TOPIC, 'p1');
    const tuned: GatewayRow[] = [];
    let setupMs = 0;
    let gatewayRssMb = 0;
    for (const size of SIZES) {
      const setupStart = performance.now();
      const from = subscribers.length;
      await pool(size - from, 32, async (offset) => {
        const socket = await open(ready.url);
        await join(socket, TOPIC, `j${from + offset}`);
        socket.on('message', (data: Buffer) => tracker.onMessage(data));
        subscribers[from + offset] = socket;
      });
      setupMs += performance.now() - setupStart;
      if (size - from > 100) log(`  ${size} subscribers connected and joined (${((performance.now() - setupStart) / 1000).toFixed(1)} s)`);

      const latencies: number[] = [];
      const totals = { cpuUs: 0, requests: 0, readUnits: 0, writeUnits: 0, byOp: {} as Record<string, number> };
      const samples = SAMPLES.tuned[size] as number;
      for (let i = -1; i < samples; i += 1) {
        await ask(child, { type: 'reset' });
        const seq = (seqCounter += 1);
        const done = tracker.arm(seq, size);
        const t0 = performance.now();
        // No ref: a broadcast that needs no answer gets none (docs/protocol.md), as the cost model prices it.
        pusher.send(JSON.stringify({ action: 'push', topic: TOPIC, event: 'tick', payload: frameFor(seq), self: false }));
        const at = await done;
        const counters = await ask(child, { type: 'read' });
        gatewayRssMb = Math.max(gatewayRssMb, counters.rssMb);
        if (i < 0) continue; // warm-up push: JIT, sockets, keep-alive pools, the functions' environments
        latencies.push(at - t0);
        accumulate(totals, counters.dynamo, counters.cpuUs);
      }
      const row: GatewayRow = {
        ...summarize(size, latencies),
        gateway_cpu_us_per_delivery: r1(totals.cpuUs / samples / size),
        dynamodb_requests_per_push: r2(totals.requests / samples),
        dynamodb_requests_by_operation: Object.fromEntries(Object.entries(totals.byOp).map(([op, n]) => [op, r2(n / samples)])),
        read_units_per_push: r2(totals.readUnits / samples),
        write_units_per_push: r2(totals.writeUnits / samples),
      };
      tuned.push(row);
      log(
        `  ${String(size).padStart(5)} subscribers: p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.deliveries_per_s} deliveries/s, ` +
          `gateway CPU ${row.gateway_cpu_us_per_delivery} us/delivery, DynamoDB ${row.dynamodb_requests_per_push} req ${row.read_units_per_push} RCU ${row.write_units_per_push} WCU per push`,
      );
    }
    return { tuned, setupMs, gatewayRssMb: Math.round(gatewayRssMb) };
  } finally {
    child.kill('SIGKILL');
    for (const socket of [...subscribers, ...pushers]) socket?.terminate();
  }
}

function accumulate(totals: { cpuUs: number; requests: number; readUnits: number; writeUnits: number; byOp: Record<string, number> }, dynamo: DynamoCounters, cpuUs: number): void {
  totals.cpuUs += cpuUs;
  totals.readUnits += dynamo.readUnits;
  totals.writeUnits += dynamo.writeUnits;
  for (const [op, count] of Object.entries(dynamo.requests)) {
    totals.requests += count;
    totals.byOp[op] = (totals.byOp[op] ?? 0) + count;
  }
}

// ---------------------------------------------------------------------------------------

function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    return Number(line?.split(/\s+/)[3] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const largest = SIZES[SIZES.length - 1] as number;
  log(`topicast fan-out benchmark${QUICK ? ' (quick)' : ''}: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}, open files ${limit}`);
  if (Number.isFinite(limit) && limit < largest + 1000) {
    throw new Error(`open-file limit ${limit} is too low for ${largest} sockets per process: raise it (ulimit -n ${largest * 2}) and rerun`);
  }

  log('1/6 bundles: esbuild as the CDK bundles each function, then module init time (median of 5 fresh processes)');
  const bundles = await measureBundles(5, (line) => log(`  ${line}`));

  log(`2/6 CPU per delivery on the fan-out path (${CPU_DELIVERIES} posts to a local HTTP server, ${CPU_ROUNDS} round(s), median)`);
  const cpu = await measureCpu();

  log(`3/6 floor: a bare single-process ws broadcast to up to ${largest} sockets`);
  const floor = await measureFloor();

  log(`4/6 topicast through the local gateway (npm start's template runtime), up to ${largest} subscribers on one topic`);
  const topicast = await measureTopicast();

  log(`5/6 capacity: 1000 connections on 50 topics, 50 pushes/s for ${CAPACITY_SECONDS} s, then a ramp to saturation`);
  const capacity = await measureCapacity({ durationS: CAPACITY_SECONDS, rampStepS: QUICK ? 5 : 10 }, (line) => log(`  ${line}`));

  log('presence: a burst of joins into a present topic, before and after coalescing (bench/presence.ts)');
  const presence = await measurePresenceBurst((line) => log(`  ${line}`));

  log('idle connections: a month of an idle 200-member presence room per client kind, clock compressed (bench/idle.ts)');
  const idle = await measureIdle({}, (line) => log(`  ${line}`));

  log('6/6 cost model and report');
  const measured = (size: number) => topicast.tuned.find((row) => row.subscribers === size) as GatewayRow;
  // Reads as measured; the rate counter's write at its most frequent (a few samples per
  // size cannot show one write in ten, and a window that rolls over drops the count).
  const writeUnitsPerPush = counterWriteUnitsPerPush(DEFAULT_LIMITS.pushesPerCounterWrite);
  const measuredPush = (fanout: number, cpuUsPerDelivery = cpu.tuned): PushMeasurements => ({ cpuUsPerDelivery, readUnitsPerPush: measured(fanout).read_units_per_push, writeUnitsPerPush });
  const costs: PushCost[] = [1, 10, 100, 1000].map((fanout) => pushCost(fanout, measuredPush(fanout)));
  const costsWithReply = [1, 10, 100, 1000].map((fanout) => pushCost(fanout, measuredPush(fanout), DEFAULT_ASSUMPTIONS, true));
  // The message routes at the fan-out functions' memory (routeMemorySize: 1024): what a push costs when the routes are sized for big inline fan-outs.
  const costsAtDefaultMemory = [1, 10, 100, 1000].map((fanout) => pushCost(fanout, measuredPush(fanout), { ...DEFAULT_ASSUMPTIONS, memoryMb: DEFAULTS.memorySize }));
  const sdkCost1000 = pushCost(1000, measuredPush(1000, cpu['sdk-default']));
  const costKey = (fanout: number) => `fanout_${fanout}`;
  const perMillionByFanout = (list: readonly PushCost[]) => Object.fromEntries(list.map((cost) => [costKey(cost.fanout), round(perMillionDeliveries(cost))]));
  // Read units per subscriber from the largest measured Query (the fixed part is the membership GetItem).
  const largestRow = topicast.tuned[topicast.tuned.length - 1] as GatewayRow;
  const readUnitsPerSubscriber = (largestRow.read_units_per_push - MEMBERSHIP_READ_UNITS) / largestRow.subscribers;
  const paper = [
    { subscribers: 10_000, memoryMb: DEFAULTS.memorySize, quotaRps: 10_000 },
    { subscribers: 10_000, memoryMb: 1769, quotaRps: 10_000 },
    { subscribers: 100_000, memoryMb: DEFAULTS.memorySize, quotaRps: 10_000 },
    { subscribers: 100_000, memoryMb: 1769, quotaRps: 10_000 },
    { subscribers: 100_000, memoryMb: 1769, quotaRps: 100_000 },
  ].map((scenario) =>
    paperModel({ ...scenario, burst: 5000, cpuUsPerDelivery: cpu.tuned, readUnitsPerSubscriber, writeUnitsPerPush, invokeStartMs: 50 }),
  );

  const results: BenchResults = {
    generated_at: new Date().toISOString(),
    quick: QUICK,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, open_files: limit },
    fanout: topicast.tuned.map(({ subscribers, p50_ms, p95_ms, p99_ms, deliveries_per_s, samples }) => ({ subscribers, p50_ms, p95_ms, p99_ms, deliveries_per_s, samples })),
    fanout_ws_floor: floor,
    cpu_us_per_delivery: { tuned: cpu.tuned, sdk_default: cpu['sdk-default'] },
    cpu_us_per_delivery_all: cpu,
    cpu_ratio_sdk_default_over_tuned: r2(cpu['sdk-default'] / cpu.tuned),
    gateway_cpu_us_per_delivery: {
      tuned: Object.fromEntries(topicast.tuned.map((row) => [String(row.subscribers), row.gateway_cpu_us_per_delivery])),
    },
    dynamodb_per_push: topicast.tuned.map((row) => ({
      subscribers: row.subscribers,
      requests: row.dynamodb_requests_per_push,
      by_operation: row.dynamodb_requests_by_operation,
      read_units: row.read_units_per_push,
      write_units: row.write_units_per_push,
    })),
    cost_usd_per_million_deliveries: perMillionByFanout(costs),
    cost_with_reply_usd_per_million_deliveries: perMillionByFanout(costsWithReply),
    cost_at_default_memory_usd_per_million_deliveries: perMillionByFanout(costsAtDefaultMemory),
    // A Pusher message beside a Phoenix one (bench/cost.ts): the server SDK's trigger, and a pusher-js client event
    // (no reply), against a Phoenix client's push (always a reply: cost_with_reply_usd_per_million_deliveries).
    cost_pusher_usd_per_million_deliveries: {
      trigger: perMillionByFanout([1, 10, 100, 1000].map((fanout) => pusherTriggerCost(fanout, measuredPush(fanout)))),
      client_event: perMillionByFanout([1, 10, 100, 1000].map((fanout) => pusherClientEventCost(fanout, measuredPush(fanout)))),
      phoenix_client_push: perMillionByFanout(costsWithReply),
    },
    default_memory_mb: DEFAULTS.memorySize,
    cost_breakdown_usd_per_million_deliveries: Object.fromEntries(
      costs.map((cost) => [
        costKey(cost.fanout),
        {
          api_gateway_messages: round((cost.apiGateway / cost.fanout) * 1e6),
          lambda_requests: round((cost.lambdaRequests / cost.fanout) * 1e6),
          lambda_compute: round((cost.lambdaCompute / cost.fanout) * 1e6),
          dynamodb: round((cost.dynamo / cost.fanout) * 1e6),
          fanout_ms: round(cost.fanoutMs),
        },
      ]),
    ),
    cost_sdk_default_usd_per_million_deliveries: { fanout_1000: round(perMillionDeliveries(sdkCost1000)) },
    cost_appsync_events_usd_per_million_deliveries: Object.fromEntries([1, 10, 100, 1000].map((f) => [costKey(f), round(appSyncEventsPerMillion(f))])),
    cost_ably_usd_per_million_deliveries: Object.fromEntries([1, 10, 100, 1000].map((f) => [costKey(f), round(ablyPerMillion(f))])),
    connection_minutes_usd_per_million: { api_gateway: PRICES.apiGatewayConnectionMinute * 1e6, appsync_events: PRICES.appSyncConnectionMinute * 1e6 },
    cost_assumptions: { ...DEFAULT_ASSUMPTIONS, pushesPerCounterWrite: DEFAULT_LIMITS.pushesPerCounterWrite, prices_date: PRICES_DATE, prices_usd: PRICES },
    paper_model: paper,
    bundle_kb: bundles.bundle_kb,
    init_ms: bundles.init_ms,
    bundle_packages_kb: Object.fromEntries(
      Object.entries(bundles.packages).map(([name, packages]) => [name, Object.fromEntries(Object.entries(packages).slice(0, 6).map(([p, bytes]) => [p, r1(bytes / 1024)]))]),
    ),
    setup_s: r1(topicast.setupMs / 1000),
    gateway_rss_mb: topicast.gatewayRssMb,
    capacity,
    idle_usd_per_connection_month: idleSummary(idle),
    idle,
    duration_s: 0,
  };
  results.duration_s = r1((performance.now() - started) / 1000);

  const resultsDir = here('results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  const docsDir = fileURLToPath(new URL('../docs/', import.meta.url));
  writeFileSync(`${docsDir}performance-fanout.svg`, renderChart(results));
  const docPath = `${docsDir}performance.md`;
  writeFileSync(docPath, replaceBetweenMarkers(readFileSync(docPath, 'utf8'), renderMarkdown(results)));
  writePresenceResults(presence, docPath, `${resultsDir}/presence.json`);
  writeIdleDocs(idle, docPath);

  const floor1000 = floor.find((row) => row.subscribers === 1000);
  const tuned1000 = results.fanout.find((row) => row.subscribers === 1000);
  log(`CPU per delivery: tuned ${cpu.tuned} us, SDK default ${cpu['sdk-default']} us (${results.cpu_ratio_sdk_default_over_tuned}x)`);
  log(`p50 at 1000 subscribers: topicast ${tuned1000?.p50_ms} ms, bare ws floor ${floor1000?.p50_ms} ms`);
  log(`USD per million deliveries at fan-out 1000: topicast ${results.cost_usd_per_million_deliveries.fanout_1000}, AppSync Events ${results.cost_appsync_events_usd_per_million_deliveries.fanout_1000}, Ably ${results.cost_ably_usd_per_million_deliveries.fanout_1000}`);
  log(`idle USD per connection-month: ${JSON.stringify(results.idle_usd_per_connection_month)}`);
  log(`capacity: ${capacity.steady.lost} of ${capacity.steady.expected_deliveries} lost at 50 pushes/s (p99 ${capacity.steady.p99_ms} ms); ${capacity.capacity_deliveries_per_s} deliveries/s sustained`);
  log(`wrote bench/results/latest.json, docs/performance.md, docs/performance-fanout.svg in ${results.duration_s} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
