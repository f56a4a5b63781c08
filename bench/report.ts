/**
 * Renders the benchmark results: the markdown block between the markers of
 * docs/performance.md (reruns replace it) and a hand-written SVG chart.
 */
import type { CapacityResults, LoadResult } from './capacity.js';
import type { CostAssumptions, PaperModel } from './cost.js';
import type { IdleResults, IdleScenario } from './idle.js';

export const START_MARKER = '<!-- bench:results:start -->';
export const END_MARKER = '<!-- bench:results:end -->';

export interface Row {
  readonly subscribers: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly deliveries_per_s: number;
  readonly samples: number;
}

type ByFanout = Record<string, number>;

export interface BenchResults {
  generated_at: string;
  quick: boolean;
  machine: { cpus: number; model: string; memory_gb: number; node: string; open_files: number };
  fanout: Row[];
  fanout_ws_floor: Row[];
  cpu_us_per_delivery: { tuned: number; sdk_default: number };
  cpu_us_per_delivery_all: Record<string, number>;
  cpu_ratio_sdk_default_over_tuned: number;
  gateway_cpu_us_per_delivery: { tuned: ByFanout };
  dynamodb_per_push: { subscribers: number; requests: number; by_operation: Record<string, number>; read_units: number; write_units: number }[];
  /** A push without a ref (no reply frame). */
  cost_usd_per_million_deliveries: ByFanout;
  /** The same push with a ref (the Phoenix client's): one reply frame more. */
  cost_with_reply_usd_per_million_deliveries: ByFanout;
  /** At the construct's default memory of the message routes instead of the model's. */
  cost_at_default_memory_usd_per_million_deliveries: ByFanout;
  default_memory_mb: number;
  cost_breakdown_usd_per_million_deliveries: Record<string, { api_gateway_messages: number; lambda_requests: number; lambda_compute: number; dynamodb: number; fanout_ms: number }>;
  cost_sdk_default_usd_per_million_deliveries: ByFanout;
  cost_appsync_events_usd_per_million_deliveries: ByFanout;
  cost_ably_usd_per_million_deliveries: ByFanout;
  /** A Pusher message beside a Phoenix one: the server SDK's trigger, a pusher-js client event, a Phoenix client's push (bench/cost.ts). */
  cost_pusher_usd_per_million_deliveries?: { trigger: ByFanout; client_event: ByFanout; phoenix_client_push: ByFanout };
  connection_minutes_usd_per_million: { api_gateway: number; appsync_events: number };
  cost_assumptions: CostAssumptions & { pushesPerCounterWrite: number; prices_date: string; prices_usd: Record<string, number> };
  paper_model: PaperModel[];
  bundle_kb: Record<string, number>;
  init_ms: Record<string, number>;
  bundle_packages_kb: Record<string, Record<string, number>>;
  setup_s: number;
  gateway_rss_mb: number;
  capacity: CapacityResults;
  /** What an idle member of a 200-member presence room costs a month, per client kind (bench/idle.ts). */
  idle_usd_per_connection_month: Record<IdleScenario, number>;
  idle: IdleResults;
  duration_s: number;
}

export function replaceBetweenMarkers(document: string, block: string): string {
  const start = document.indexOf(START_MARKER);
  const end = document.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`docs/performance.md needs the markers ${START_MARKER} and ${END_MARKER}`);
  return `${document.slice(0, start + START_MARKER.length)}\n${block.trim()}\n${document.slice(end)}`;
}

const CPU_LABELS: Record<string, string> = {
  tuned: 'lean SigV4 + lean HTTP/1.1 pool (**used**)',
  'smithy-signer': '`@smithy/signature-v4` + lean HTTP/1.1 pool',
  'signed-node-http': '`@smithy/signature-v4` + `node:http` keep-alive agent',
  'sdk-keepalive': 'SDK client + tuned keep-alive handler (before)',
  'sdk-default': 'SDK client, default settings',
};

const usd = (value: number | undefined) => (value === undefined ? '–' : `$${value < 0.01 ? value.toPrecision(2) : value.toFixed(2)}`);

export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  const byN = <T extends { subscribers: number }>(rows: T[], n: number) => rows.find((row) => row.subscribers === n);
  lines.push(
    `Measured by \`npm run bench\` on ${r.generated_at.slice(0, 10)} (${r.duration_s} s${r.quick ? ', quick mode' : ''}): ${r.machine.cpus} × ${r.machine.model}, ` +
      `${r.machine.memory_gb} GB, Node ${r.machine.node}. Every figure below comes from that one run; raw numbers in \`bench/results/latest.json\`.`,
    '',
    '#### Push-to-last-delivery latency, one topic',
    '',
    '| subscribers | topicast p50 / p95 / p99 (ms) | deliveries/s | bare `ws` floor p50 / p99 (ms) | topicast ÷ floor (p50) |',
    '| ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of r.fanout) {
    const floor = byN(r.fanout_ws_floor, row.subscribers);
    lines.push(
      `| ${row.subscribers} | ${row.p50_ms} / ${row.p95_ms} / ${row.p99_ms} | ${row.deliveries_per_s} | ${floor ? `${floor.p50_ms} / ${floor.p99_ms}` : '–'} | ${floor ? `${(row.p50_ms / floor.p50_ms).toFixed(1)}×` : '–'} |`,
    );
  }
  lines.push(
    '',
    `Samples per size (topicast / floor): ${r.fanout.map((row) => `${row.subscribers}: ${row.samples}/${byN(r.fanout_ws_floor, row.subscribers)?.samples ?? 0}`).join(', ')}. ` +
      `Above ${r.cost_assumptions.workerThreshold} subscribers the push goes through the fan-out worker function (asynchronous invokes, batches of ${r.cost_assumptions.workerBatchSize}). ` +
      `Connecting and joining the subscribers took ${r.setup_s} s; the gateway and its functions' processes peaked at ${r.gateway_rss_mb} MB RSS together.`,
    '',
    '![p50 push-to-last-delivery latency by subscriber count](performance-fanout.svg)',
    '',
    '#### Capacity of the local gateway: many topics, steady load',
    '',
    `${r.capacity.steady.connections} connections on ${r.capacity.steady.topics} topics (${r.capacity.steady.connections / r.capacity.steady.topics} members each, one of them pushing), every broadcast tracked to every socket; ` +
      `a steady run, then a ramp of short steps until something is lost or the p99 passes 5 s. Connecting and joining took ${r.capacity.setup_s} s.`,
    '',
    '| run | pushes/s | seconds | deliveries expected | delivered | lost | twice | pushes ok / refused / function errors | p50 / p95 / p99 / max (ms) | deliveries/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[r.capacity.steady, ...r.capacity.ramp].map((row: LoadResult, index) =>
      `| ${index === 0 ? 'steady' : 'ramp'} | ${row.pushesPerSecond} | ${row.durationS} | ${row.expected_deliveries} | ${row.delivered} | ${row.lost} | ${row.duplicates} | ${row.acked_ok} / ${row.refused} / ${row.function_errors ?? '–'} | ${row.p50_ms} / ${row.p95_ms} / ${row.p99_ms} / ${row.max_ms} | ${row.deliveries_per_s} |`,
    ),
    '',
    `Capacity of the local gateway on this machine: **${r.capacity.capacity_deliveries_per_s} deliveries/s** sustained with nothing lost; ` +
      `highest push rate with a p99 under one second: ${r.capacity.comfortable_pushes_per_s ? `${r.capacity.comfortable_pushes_per_s} pushes/s` : 'none'}. ` +
      'Past capacity the gateway slows down (the p99 grows) instead of dropping: timeouts count from when a post is written, not while it queues for a socket. ' +
        'A function error is a push whose function outlived its timeout. The local runtime runs each function in at most 10 execution environments (processes) on this machine\'s cores, with every AWS request authorized against the role\'s policies; under overload invocations wait for a free environment, where Lambda would scale out.',
    '',
    '#### CPU per delivery on the fan-out path',
    '',
    '| sender | CPU µs per delivery | vs tuned |',
    '| --- | ---: | ---: |',
  );
  const tuned = r.cpu_us_per_delivery_all.tuned as number;
  for (const [mode, us] of Object.entries(r.cpu_us_per_delivery_all).sort(([, a], [, b]) => a - b)) {
    lines.push(`| ${CPU_LABELS[mode] ?? mode} | ${us} | ${(us / tuned).toFixed(2)}× |`);
  }
  lines.push(
    '',
    `The SDK default costs **${r.cpu_ratio_sdk_default_over_tuned}×** the CPU of the tuned path per delivery. ` +
      'Measured with `process.cpuUsage()` in a child process running the real `deliverToSubscribers` (64 in flight) against an HTTP server in another process that answers 200.',
    '',
    'CPU of the whole local gateway per delivery, its process and its functions\' processes (/proc, bench/process-tree-cpu.ts): the route function, the fan-out worker, the emulated Management API receiving each post and authorizing it, the `ws` send and dynalite, with each push\'s fixed cost (two DynamoDB requests, a third every tenth push) spread over its deliveries:',
    '',
    `| subscribers | ${r.fanout.map((row) => row.subscribers).join(' | ')} |`,
    `| --- | ${r.fanout.map(() => '---:').join(' | ')} |`,
    `| tuned (µs) | ${r.fanout.map((row) => r.gateway_cpu_us_per_delivery.tuned[String(row.subscribers)] ?? '–').join(' | ')} |`,
    '',
    '#### DynamoDB per push',
    '',
    '| subscribers | requests | by operation | read units | write units |',
    '| ---: | ---: | --- | ---: | ---: |',
  );
  for (const row of r.dynamodb_per_push) {
    const ops = Object.entries(row.by_operation).sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `${op} ${n}`).join(', ');
    lines.push(`| ${row.subscribers} | ${row.requests} | ${ops} | ${row.read_units} | ${row.write_units} |`);
  }
  lines.push(
    '',
    'Counted by a proxy in front of dynalite that adds `ReturnConsumedCapacity: TOTAL` to every request (dynalite sizes items as DynamoDB does). The membership GetItem is eventually consistent (0.5 read units); the rate counter is written once per `pushesPerCounterWrite` pushes of a connection, so a few samples per size show it 0 or 1 times.',
    '',
    '#### Bundles and cold start',
    '',
    '| function | bundle (KB) | module init (ms) | largest parts (KB) |',
    '| --- | ---: | ---: | --- |',
  );
  for (const [name, kb] of Object.entries(r.bundle_kb)) {
    const parts = Object.entries(r.bundle_packages_kb[name] ?? {}).slice(0, 4).map(([p, k]) => `${p} ${k}`).join(', ');
    lines.push(`| \`${name}\` | ${kb} | ${r.init_ms[name]} | ${parts} |`);
  }
  lines.push(
    '',
    `Init = median time to \`import()\` the bundle in a fresh \`node\` process with Lambda's variables set (clients built at module scope), Node ${r.machine.node} on this machine.`,
    '',
    `#### Cost per million delivered messages (list prices of ${r.cost_assumptions.prices_date})`,
    '',
    `| fan-out | topicast | API Gateway messages | Lambda requests | Lambda compute | DynamoDB | with a reply (ref) | at ${r.default_memory_mb} MB | AppSync Events | Ably |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const fanout of [1, 10, 100, 1000]) {
    const key = `fanout_${fanout}`;
    const b = r.cost_breakdown_usd_per_million_deliveries[key];
    lines.push(
      `| ${fanout} | **${usd(r.cost_usd_per_million_deliveries[key])}** | ${usd(b?.api_gateway_messages)} | ${usd(b?.lambda_requests)} | ${usd(b?.lambda_compute)} | ${usd(b?.dynamodb)} | ${usd(r.cost_with_reply_usd_per_million_deliveries[key])} | ${usd(r.cost_at_default_memory_usd_per_million_deliveries[key])} | ${usd(r.cost_appsync_events_usd_per_million_deliveries[key])} | ${usd(r.cost_ably_usd_per_million_deliveries[key])} |`,
    );
  }
  const a = r.cost_assumptions;
  lines.push(
    '',
    'topicast = a push without a `ref`: the push in and one message per subscriber. "With a reply": the same push with a `ref` (the Phoenix client always sends one), one `phx_reply` more. ' +
      `"At ${r.default_memory_mb} MB": the same push with the message routes at ${r.default_memory_mb} MB (\`routeMemorySize\`; the construct's default is ${a.memoryMb} MB for them and ${r.default_memory_mb} MB for the fan-out worker), where the push's waits on DynamoDB and the Management API cost ${r.default_memory_mb / a.memoryMb}× the GB-seconds. ` +
      `Lambda compute uses the measured ${r.cpu_us_per_delivery.tuned} µs of CPU per delivery at ${a.memoryMb} MB (a ${((a.memoryMb / a.fullVcpuMb) * 100).toFixed(1)}% vCPU share), ` +
      `a ${a.pushBaseMs} ms push without fan-out, ${a.managementRttMs} ms Management API round trips and ${a.concurrency} posts in flight; DynamoDB uses the read units measured above and one rate-counter write unit per ${a.pushesPerCounterWrite} pushes. ` +
      `With the SDK default sender the same fan-out-1000 push would cost ${usd(r.cost_sdk_default_usd_per_million_deliveries.fanout_1000)} per million deliveries. ` +
      `Connection minutes are extra on every service: $${r.connection_minutes_usd_per_million.api_gateway.toFixed(2)} per million on API Gateway, ` +
      `$${r.connection_minutes_usd_per_million.appsync_events.toFixed(2)} on AppSync Events.`,
    '',
    ...pusherCostLines(r),
    '#### Big topics on AWS, on paper (from the CPU and read units measured above)',
    '',
    '| subscribers | memory (MB) | callback quota (rps) | workers | one worker\'s 500 posts (ms) | demand ÷ quota | throttle floor (ms) | expected last delivery (ms) | read units per push | $ per push | $ per million deliveries |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const p of r.paper_model) {
    lines.push(
      `| ${p.subscribers} | ${p.memory_mb} | ${p.quota_rps} | ${p.workers} | ${p.worker_fanout_ms} | ${p.overload} | ${p.throttle_floor_ms} | ${p.expected_last_delivery_ms} | ${p.read_units_per_push} | ${usd(p.cost_usd_per_push)} | ${usd(p.cost_usd_per_million)} |`,
    );
  }
  return lines.join('\n');
}

/** A log-log line chart of p50 (solid) and p99 (dashed) latency against subscribers. */
export function renderChart(r: BenchResults): string {
  const width = 820;
  const height = 420;
  const margin = { left: 70, right: 220, top: 40, bottom: 56 };
  const series = [
    { name: 'topicast (tuned sender)', color: '#1f77b4', rows: r.fanout },
    { name: 'bare ws broadcast (floor)', color: '#2ca02c', rows: r.fanout_ws_floor },
  ];
  const xs = r.fanout.map((row) => row.subscribers);
  const values = series.flatMap((s) => s.rows.flatMap((row) => [row.p50_ms, row.p99_ms])).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (v: number) => margin.left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * plotW;
  const y = (v: number) => margin.top + plotH - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="22" font-size="15" font-weight="bold">Push-to-last-delivery latency, one topic (log-log)</text>`,
  );
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(decade).toFixed(1)}" y2="${y(decade).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${(y(decade) + 4).toFixed(1)}" text-anchor="end">${decade >= 1 ? decade : decade.toPrecision(1)} ms</text>`);
  }
  for (const v of xs) {
    parts.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x(v).toFixed(1)}" y="${margin.top + plotH + 18}" text-anchor="middle">${v}</text>`);
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">subscribers</text>`,
  );
  series.forEach((s, index) => {
    const p50 = s.rows.map((row) => `${x(row.subscribers).toFixed(1)},${y(row.p50_ms).toFixed(1)}`).join(' ');
    const p99 = s.rows.map((row) => `${x(row.subscribers).toFixed(1)},${y(row.p99_ms).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${p50}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    parts.push(`<polyline points="${p99}" fill="none" stroke="${s.color}" stroke-width="1.2" stroke-dasharray="4 3"/>`);
    for (const row of s.rows) parts.push(`<circle cx="${x(row.subscribers).toFixed(1)}" cy="${y(row.p50_ms).toFixed(1)}" r="3.5" fill="${s.color}"><title>${s.name}: ${row.subscribers} subscribers, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms</title></circle>`);
    const ly = margin.top + 16 + index * 22;
    const lx = margin.left + plotW + 14;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}">${s.name}</text>`);
  });
  const ly = margin.top + 16 + series.length * 22;
  const lx = margin.left + plotW + 14;
  parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="#555" stroke-width="1.2" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${lx + 28}" y="${ly}">dashed: p99, solid: p50</text>`);
  parts.push(`<text x="${margin.left}" y="${height - 2}" font-size="10" fill="#777">npm run bench, ${r.generated_at.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.model.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The Pusher rows: a message sent by the `pusher` SDK or by pusher-js, beside a Phoenix client's push. */
function pusherCostLines(r: BenchResults): string[] {
  const p = r.cost_pusher_usd_per_million_deliveries;
  if (!p) return [];
  const row = (fanout: number) => {
    const key = `fanout_${fanout}`;
    return `| ${fanout} | ${usd(p.trigger[key])} | ${usd(p.client_event[key])} | ${usd(p.phoenix_client_push[key])} |`;
  };
  return [
    '#### A Pusher message beside a Phoenix one (per million delivered messages)',
    '',
    '| fan-out | `pusher` SDK trigger | pusher-js client event | Phoenix client push |',
    '| ---: | ---: | ---: | ---: |',
    ...[1, 10, 100, 1000].map(row),
    '',
    'A trigger is an HTTP request to the Pusher function (no WebSocket frame in, one subscriber Query, no reply); a client event is a push without a reply (Pusher acknowledges none); ' +
      "the Phoenix client's push always gets a `phx_reply`. Pusher frames stay in one 32 KB message unit up to Pusher's 10 KB `data` limit, so the delivery price is the same (docs/pusher.md).",
    '',
  ];
}
