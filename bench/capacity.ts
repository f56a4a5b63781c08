/**
 * Capacity of the local gateway under a steady, many-topic load: N connections spread over
 * T topics, one member of each topic pushing, P pushes per second in all, for D seconds.
 * Every broadcast is tracked to every subscriber socket: what matters is that overload
 * slows delivery down and loses nothing (no broadcast missing, none twice), and how long
 * the last delivery of each push took (p50/p99 from the push frame to its last delivery).
 *
 * Then a ramp of higher push rates, short steps, up to saturation: the local gateway's
 * capacity is the highest delivery rate a step sustained with nothing lost, and the
 * comfortable rate the highest push rate whose p99 stayed under a second.
 *
 * Runs inside `npm run bench`, or alone: `npx tsx bench/capacity.ts [seconds]`.
 */
import type { WebSocket } from 'ws';
import type { ChildMessage } from './gateway-child.js';
import { forkChild, join, open, percentile, pool } from './ws-clients.js';

export interface LoadOptions {
  readonly connections: number;
  readonly topics: number;
  readonly pushesPerSecond: number;
  readonly durationS: number;
}

export interface LoadResult extends LoadOptions {
  readonly pushes: number;
  /** Pushes answered `ok` / with an error reply. */
  readonly acked_ok: number;
  readonly refused: number;
  /**
   * Pushes whose function failed or outlived its timeout: the client got API Gateway's
   * "Internal server error" (or "Endpoint request timed out") instead of a reply.
   */
  readonly function_errors: number;
  readonly expected_deliveries: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly deliveries_per_s: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

export interface CapacityResults {
  readonly steady: LoadResult;
  readonly ramp: LoadResult[];
  /** Highest delivery rate a step sustained with nothing lost or duplicated: the gateway's throughput. */
  readonly capacity_deliveries_per_s: number;
  /** Highest push rate whose p99 stayed under a second (0 when none did). */
  readonly comfortable_pushes_per_s: number;
  readonly setup_s: number;
}

const TOPIC_PREFIX = 'bench:load-';
const DRAIN_IDLE_MS = 15_000;
const COMFORTABLE_P99_MS = 1000;
const SATURATED_P99_MS = 5000;

interface PushRecord {
  readonly sentAt: number;
  readonly expected: number;
  received: number;
  lastAt: number;
}

/** Every push and what reached each socket. */
class LoadTracker {
  public readonly pushes = new Map<number, PushRecord>();
  public duplicates = 0;
  public ok = 0;
  public refused = 0;
  public functionErrors = 0;
  public lastProgressAt = performance.now();

  /** Called for every frame a member socket receives. */
  public onFrame(seen: Set<number>, text: string): void {
    const at = performance.now();
    const broadcast = /"s":(\d+)/.exec(text);
    if (broadcast) {
      const seq = Number(broadcast[1]);
      if (seen.has(seq)) {
        this.duplicates += 1;
        return;
      }
      seen.add(seq);
      const record = this.pushes.get(seq);
      if (!record) return;
      record.received += 1;
      record.lastAt = at;
      this.lastProgressAt = at;
      return;
    }
    if (text.startsWith('{"message":"Internal server error"') || text.startsWith('{"message":"Endpoint request timed out"')) {
      this.functionErrors += 1;
      return;
    }
    if (text.includes('"phx_reply"') && /"ref":"L\d+"/.test(text)) {
      if (text.includes('"status":"ok"')) this.ok += 1;
      else this.refused += 1;
      this.lastProgressAt = at;
    }
  }
}

export async function measureCapacity(
  options: { connections?: number; topics?: number; pushesPerSecond?: number; durationS?: number; ramp?: readonly number[]; rampStepS?: number } = {},
  log: (line: string) => void = () => undefined,
): Promise<CapacityResults> {
  const connections = options.connections ?? 1000;
  const topics = options.topics ?? 50;
  const { child, ready } = await forkChild<Extract<ChildMessage, { type: 'ready' }>>('gateway-child.ts');
  const sockets: WebSocket[] = [];
  try {
    const tracker = new LoadTracker();
    const setupStart = performance.now();
    await pool(connections, 32, async (index) => {
      const socket = await open(ready.url);
      await join(socket, `${TOPIC_PREFIX}${index % topics}`, `j${index}`);
      const seen = new Set<number>();
      socket.on('message', (data: Buffer) => tracker.onFrame(seen, data.toString('latin1')));
      sockets[index] = socket;
    });
    const setupS = Math.round((performance.now() - setupStart) / 100) / 10;
    log(`${connections} connections joined ${topics} topics in ${setupS} s`);
    // Member i of topic t is socket t + i × topics; member 0 pushes.
    const pushers = Array.from({ length: topics }, (_, t) => sockets[t] as WebSocket);
    const membersPerTopic = (t: number) => Math.floor(connections / topics) + (t < connections % topics ? 1 : 0);
    let seq = 0;

    const run = async (pushesPerSecond: number, durationS: number): Promise<LoadResult> => {
      const before = { ok: tracker.ok, refused: tracker.refused, functionErrors: tracker.functionErrors, duplicates: tracker.duplicates };
      const first = seq + 1;
      const total = Math.round(pushesPerSecond * durationS);
      const started = performance.now();
      // Paced by the clock, not by timer ticks: catch up on what a late tick missed.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * pushesPerSecond));
          while (seq - first + 1 < due) {
            seq += 1;
            const topic = seq % topics;
            tracker.pushes.set(seq, { sentAt: performance.now(), expected: membersPerTopic(topic), received: 0, lastAt: 0 });
            (pushers[topic] as WebSocket).send(JSON.stringify({ action: 'push', topic: `${TOPIC_PREFIX}${topic}`, event: 'load', payload: { s: seq, body: 'x'.repeat(100) }, ref: `L${seq}` }));
          }
          if (seq - first + 1 >= total) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      // Drain: wait until everything arrived, or nothing moved for a while.
      const records = () => Array.from({ length: total }, (_, i) => tracker.pushes.get(first + i) as PushRecord);
      tracker.lastProgressAt = performance.now();
      while (records().some((r) => r.received < r.expected) && performance.now() - tracker.lastProgressAt < DRAIN_IDLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const done = records();
      const expected = done.reduce((sum, r) => sum + r.expected, 0);
      const delivered = done.reduce((sum, r) => sum + r.received, 0);
      const latencies = done.filter((r) => r.received === r.expected).map((r) => r.lastAt - r.sentAt).sort((a, b) => a - b);
      const elapsedS = (Math.max(...done.map((r) => r.lastAt)) - started) / 1000;
      for (let i = 0; i < total; i += 1) tracker.pushes.delete(first + i);
      const round = (value: number) => Math.round(value * 10) / 10;
      return {
        connections,
        topics,
        pushesPerSecond,
        durationS,
        pushes: total,
        acked_ok: tracker.ok - before.ok,
        refused: tracker.refused - before.refused,
        function_errors: tracker.functionErrors - before.functionErrors,
        expected_deliveries: expected,
        delivered,
        lost: expected - delivered,
        duplicates: tracker.duplicates - before.duplicates,
        deliveries_per_s: Math.round(delivered / elapsedS),
        p50_ms: round(percentile(latencies, 50)),
        p95_ms: round(percentile(latencies, 95)),
        p99_ms: round(percentile(latencies, 99)),
        max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
      };
    };

    const describe = (r: LoadResult) =>
      `${r.pushesPerSecond} pushes/s × ${r.durationS} s: ${r.delivered}/${r.expected_deliveries} delivered (${r.lost} lost, ${r.duplicates} twice), ` +
      `${r.acked_ok} ok / ${r.refused} refused / ${r.function_errors} function errors, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms, ${r.deliveries_per_s} deliveries/s`;

    const steady = await run(options.pushesPerSecond ?? 50, options.durationS ?? 60);
    log(`steady ${describe(steady)}`);
    const ramp: LoadResult[] = [];
    for (const rate of options.ramp ?? [100, 150, 200, 300]) {
      const step = await run(rate, options.rampStepS ?? 10);
      ramp.push(step);
      log(`ramp   ${describe(step)}`);
      // Past saturation the backlog only grows: stop once something is lost or it lags seconds behind.
      if (step.lost > 0 || step.p99_ms >= SATURATED_P99_MS) break;
    }
    const lossless = [steady, ...ramp].filter((r) => r.lost === 0 && r.duplicates === 0);
    const comfortable = lossless.filter((r) => r.p99_ms < COMFORTABLE_P99_MS);
    return {
      steady,
      ramp,
      capacity_deliveries_per_s: Math.max(0, ...lossless.map((r) => r.deliveries_per_s)),
      comfortable_pushes_per_s: Math.max(0, ...comfortable.map((r) => r.pushesPerSecond)),
      setup_s: setupS,
    };
  } finally {
    child.kill('SIGKILL');
    for (const socket of sockets) socket?.terminate();
  }
}

if (process.argv[1]?.endsWith('capacity.ts')) {
  const durationS = Number(process.argv[2] ?? 60);
  const results = await measureCapacity({ durationS }, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.exit(0);
}
