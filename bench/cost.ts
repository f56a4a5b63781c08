/**
 * The cost model: US dollars per million delivered messages, from AWS list prices and
 * what the benchmark measured (CPU per delivery, DynamoDB capacity units per push).
 * Pure functions, so docs/performance.md can show the arithmetic. The memory sizes and
 * worker threshold are the construct's and the runtime's defaults, imported, so the model
 * prices what a default deployment runs.
 */
import { DEFAULT_FANOUT } from '../lambdas/core/config.js';
import { DEFAULTS } from '../lib/realtime-api-defaults.js';

/** List prices (us-east-1, on demand), as of PRICES_DATE. */
export const PRICES_DATE = '2026-11-22';
export const PRICES = {
  /** API Gateway WebSocket: per message (metered in 32 KB units), and per connection minute. */
  apiGatewayMessage: 1.0 / 1e6,
  apiGatewayConnectionMinute: 0.25 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  /** Lambda arm64, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  /** SQS standard queue, per request (the presence grace timer: send, receive, delete). */
  sqsRequest: 0.4 / 1e6,
  /** AppSync Events: per operation (the publish and each delivery), per connection minute. */
  appSyncOperation: 1.0 / 1e6,
  appSyncConnectionMinute: 0.08 / 1e6,
  /** Ably: per message (the publish and each delivery). */
  ablyMessage: 2.5 / 1e6,
} as const;

export interface CostAssumptions {
  /** Memory of the message routes (the construct's `routeMemorySize` default). */
  readonly memoryMb: number;
  /** Memory of the fan-out worker (the construct's `memorySize` default). */
  readonly workerMemoryMb: number;
  /**
   * Billed duration of a push without its fan-out: two DynamoDB round trips one after the
   * other (the membership GetItem, beside it the rate-counter write when one is due; then
   * the subscriber Query) and the handler.
   */
  readonly pushBaseMs: number;
  /** Billed duration of a worker without its fan-out (decode, reap nothing). */
  readonly workerBaseMs: number;
  /** Management API round trip from Lambda in the same Region. */
  readonly managementRttMs: number;
  /** Posts in flight per invocation (fanout.concurrency). */
  readonly concurrency: number;
  /** Subscribers above which workers take over, and per worker. */
  readonly workerThreshold: number;
  readonly workerBatchSize: number;
  /** Lambda gives one full vCPU at this memory size; less memory, a proportional share. */
  readonly fullVcpuMb: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  memoryMb: DEFAULTS.routeMemorySize,
  workerMemoryMb: DEFAULTS.memorySize,
  pushBaseMs: 30,
  workerBaseMs: 10,
  managementRttMs: 10,
  concurrency: 64,
  workerThreshold: DEFAULT_FANOUT.workerThreshold,
  workerBatchSize: DEFAULT_FANOUT.workerBatchSize,
  fullVcpuMb: 1769,
};

export interface PushMeasurements {
  /** CPU one delivery costs on the fan-out path (measured). */
  readonly cpuUsPerDelivery: number;
  /** DynamoDB capacity units one push consumed at this fan-out (measured against dynalite). */
  readonly readUnitsPerPush: number;
  readonly writeUnitsPerPush: number;
}

/**
 * The read units of a push's membership check: one eventually consistent GetItem of an
 * item under 4 KB (the rest of a push's reads is its subscriber Query).
 */
export const MEMBERSHIP_READ_UNITS = 0.5;

/**
 * Write units of a push without history: its rate counter (an item under 1 KB, 1 unit per
 * write) is written once per `pushesPerCounterWrite` pushes at most; a connection that pushes
 * fewer times in a window writes less (lambdas/core/use-cases/push-rate-limiter.ts).
 */
export const counterWriteUnitsPerPush = (pushesPerCounterWrite: number): number => 1 / pushesPerCounterWrite;

export interface PushCost {
  readonly fanout: number;
  readonly apiGateway: number;
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly dynamo: number;
  readonly total: number;
  /** Billed duration of the invocation(s) that fan out, in ms (per worker above the threshold). */
  readonly fanoutMs: number;
  readonly invocations: number;
}

/** Wall time to post `count` messages from one invocation: CPU-bound or round-trip-bound, whichever is slower. */
export function fanoutMs(count: number, cpuUsPerDelivery: number, a: CostAssumptions = DEFAULT_ASSUMPTIONS, memoryMb: number = a.memoryMb): number {
  const vcpu = Math.min(1, memoryMb / a.fullVcpuMb);
  const cpuMs = (count * cpuUsPerDelivery) / 1000 / vcpu;
  const ioMs = Math.ceil(count / a.concurrency) * a.managementRttMs;
  return Math.max(cpuMs, ioMs);
}

/**
 * What one push to `fanout` subscribers costs, in USD. `reply`: the push carries a `ref`
 * (the Phoenix client's always do) and gets a `phx_reply`; without one it is answered only
 * when refused.
 */
export function pushCost(fanout: number, m: PushMeasurements, a: CostAssumptions = DEFAULT_ASSUMPTIONS, reply = false): PushCost {
  const gb = a.memoryMb / 1024;
  // The push frame in, its reply out if it has a ref, and one message per subscriber (all under 32 KB).
  const apiGateway = (fanout + 1 + (reply ? 1 : 0)) * PRICES.apiGatewayMessage;
  let invocations = 1;
  let gbSeconds: number;
  let perInvocationMs: number;
  if (fanout <= a.workerThreshold) {
    perInvocationMs = fanoutMs(fanout, m.cpuUsPerDelivery, a);
    gbSeconds = ((a.pushBaseMs + perInvocationMs) / 1000) * gb;
  } else {
    const workers = Math.ceil(fanout / a.workerBatchSize);
    invocations += workers;
    perInvocationMs = fanoutMs(Math.min(fanout, a.workerBatchSize), m.cpuUsPerDelivery, a, a.workerMemoryMb);
    // The pusher hands over (one async Invoke per batch, ~25 ms each, 50 in flight).
    const dispatchMs = Math.ceil(workers / 50) * 25;
    const workerGb = a.workerMemoryMb / 1024;
    gbSeconds = ((a.pushBaseMs + dispatchMs) / 1000) * gb + workers * ((a.workerBaseMs + perInvocationMs) / 1000) * workerGb;
  }
  const lambdaRequests = invocations * PRICES.lambdaRequest;
  const lambdaCompute = gbSeconds * PRICES.lambdaArmGbSecond;
  const dynamo = m.readUnitsPerPush * PRICES.dynamoReadUnit + m.writeUnitsPerPush * PRICES.dynamoWriteUnit;
  return { fanout, apiGateway, lambdaRequests, lambdaCompute, dynamo, total: apiGateway + lambdaRequests + lambdaCompute + dynamo, fanoutMs: perInvocationMs, invocations };
}

export const perMillionDeliveries = (cost: PushCost): number => (cost.total / cost.fanout) * 1e6;

/** AppSync Events and Ably count the publish and each delivery. */
export const appSyncEventsPerMillion = (fanout: number): number => ((fanout + 1) / fanout) * PRICES.appSyncOperation * 1e6;
export const ablyPerMillion = (fanout: number): number => ((fanout + 1) / fanout) * PRICES.ablyMessage * 1e6;

export const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));

export interface PaperModelInput {
  readonly subscribers: number;
  readonly memoryMb: number;
  /** The account's callback throttle (requests per second) and its token-bucket burst. */
  readonly quotaRps: number;
  readonly burst: number;
  readonly cpuUsPerDelivery: number;
  /** Strongly consistent read units of the subscriber Query, per subscriber (measured). */
  readonly readUnitsPerSubscriber: number;
  readonly writeUnitsPerPush: number;
  /** Time from an async Invoke to the worker running (warm). */
  readonly invokeStartMs: number;
}

export interface PaperModel {
  readonly subscribers: number;
  readonly memory_mb: number;
  readonly quota_rps: number;
  readonly workers: number;
  readonly dispatch_ms: number;
  readonly worker_fanout_ms: number;
  /** Posts per second all workers would make together if nothing throttled them. */
  readonly demand_rps: number;
  /** The fastest the throttle lets `subscribers` posts through: the burst, then the steady rate. */
  readonly throttle_floor_ms: number;
  readonly expected_last_delivery_ms: number;
  /** Demand over the quota: above 1, posts meet 429s and retry with backoff. */
  readonly overload: number;
  readonly read_units_per_push: number;
  readonly cost_usd_per_push: number;
  readonly cost_usd_per_million: number;
}

/** A big topic on AWS, on paper: workers, throttle, expected latency and cost of one push. */
export function paperModel(input: PaperModelInput, base: CostAssumptions = DEFAULT_ASSUMPTIONS): PaperModel {
  // `memoryMb` is the workers' (they do the posting); the route that hands over keeps its own.
  const a = { ...base, workerMemoryMb: input.memoryMb };
  const workers = Math.ceil(input.subscribers / a.workerBatchSize);
  const dispatchMs = Math.ceil(workers / 50) * 25;
  const workerFanoutMs = fanoutMs(a.workerBatchSize, input.cpuUsPerDelivery, a, a.workerMemoryMb);
  const demandRps = (workers * a.workerBatchSize) / (workerFanoutMs / 1000);
  const throttleFloorMs = (Math.max(0, input.subscribers - input.burst) / input.quotaRps) * 1000;
  const readUnits = input.readUnitsPerSubscriber * input.subscribers + MEMBERSHIP_READ_UNITS;
  const cost = pushCost(input.subscribers, { cpuUsPerDelivery: input.cpuUsPerDelivery, readUnitsPerPush: readUnits, writeUnitsPerPush: input.writeUnitsPerPush }, a);
  return {
    subscribers: input.subscribers,
    memory_mb: input.memoryMb,
    quota_rps: input.quotaRps,
    workers,
    dispatch_ms: dispatchMs,
    worker_fanout_ms: round(workerFanoutMs),
    demand_rps: Math.round(demandRps),
    throttle_floor_ms: Math.round(throttleFloorMs),
    expected_last_delivery_ms: Math.round(a.pushBaseMs + dispatchMs + input.invokeStartMs + Math.max(workerFanoutMs, throttleFloorMs)),
    overload: round(demandRps / input.quotaRps, 2),
    read_units_per_push: round(readUnits),
    cost_usd_per_push: round(cost.total),
    cost_usd_per_million: round(perMillionDeliveries(cost)),
  };
}

/**
 * A Pusher message, priced beside a Phoenix one from the same measurements.
 * - `trigger`: the `pusher` server SDK's POST /apps/{id}/events to `fanout` subscribers of
 *   one channel: a Function URL invocation (no per-request charge of its own) of the Pusher
 *   function at the fan-out memory (`memorySize`), one subscriber Query (no membership
 *   GetItem, no rate counter), one message per subscriber; no frame in, no reply.
 *   The same as topicast's own HTTP publish.
 * - `clientEvent`: a pusher-js `client-` event: priced as a push without a reply, since
 *   Pusher acknowledges no client event (a Phoenix client's push always carries a ref and
 *   gets a `phx_reply`: one message more).
 * Pusher frames are larger than Phoenix ones (`data` is a JSON string inside JSON), but both
 * stay in one 32 KB billing unit up to Pusher's 10 KB `data` limit, so the message count,
 * and the price, is the same per delivery.
 */
export function pusherTriggerCost(fanout: number, m: PushMeasurements, a: CostAssumptions = DEFAULT_ASSUMPTIONS): PushCost {
  const asPush = pushCost(fanout, { ...m, readUnitsPerPush: Math.max(0, m.readUnitsPerPush - MEMBERSHIP_READ_UNITS), writeUnitsPerPush: 0 }, { ...a, memoryMb: a.workerMemoryMb });
  // No frame comes in over the WebSocket: the request is HTTP.
  const apiGateway = asPush.apiGateway - PRICES.apiGatewayMessage;
  return { ...asPush, apiGateway, total: asPush.total - PRICES.apiGatewayMessage };
}

export function pusherClientEventCost(fanout: number, m: PushMeasurements, a: CostAssumptions = DEFAULT_ASSUMPTIONS): PushCost {
  return pushCost(fanout, m, a, false);
}
