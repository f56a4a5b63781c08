/**
 * `npx tsx bench/pusher-cost.ts`: prices a Pusher message beside a Phoenix one from the
 * measurements bench/results/latest.json already holds (CPU per delivery, read units per
 * push), without measuring again, and writes the result back under
 * `cost_pusher_usd_per_million_deliveries`. `npm run bench` computes the same in its run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../lambdas/core/config.js';
import { counterWriteUnitsPerPush, perMillionDeliveries, pushCost, pusherClientEventCost, pusherTriggerCost, round, DEFAULT_ASSUMPTIONS, type PushCost, type PushMeasurements } from './cost.js';

const file = fileURLToPath(new URL('results/latest.json', import.meta.url));
const results = JSON.parse(readFileSync(file, 'utf8')) as {
  cpu_us_per_delivery: { tuned: number };
  dynamodb_per_push: { subscribers: number; read_units: number }[];
  [key: string]: unknown;
};
const measured = (fanout: number): PushMeasurements => {
  const row = results.dynamodb_per_push.find((entry) => entry.subscribers === fanout);
  if (!row) throw new Error(`latest.json has no DynamoDB measurement at fan-out ${fanout}`);
  return { cpuUsPerDelivery: results.cpu_us_per_delivery.tuned, readUnitsPerPush: row.read_units, writeUnitsPerPush: counterWriteUnitsPerPush(DEFAULT_LIMITS.pushesPerCounterWrite) };
};
const fanouts = [1, 10, 100, 1000];
const byFanout = (cost: (fanout: number) => PushCost) => Object.fromEntries(fanouts.map((fanout) => [`fanout_${fanout}`, round(perMillionDeliveries(cost(fanout)))]));
const pusher = {
  trigger: byFanout((fanout) => pusherTriggerCost(fanout, measured(fanout))),
  client_event: byFanout((fanout) => pusherClientEventCost(fanout, measured(fanout))),
  phoenix_client_push: byFanout((fanout) => pushCost(fanout, measured(fanout), DEFAULT_ASSUMPTIONS, true)),
};
writeFileSync(file, `${JSON.stringify({ ...results, cost_pusher_usd_per_million_deliveries: pusher }, null, 2)}\n`);
process.stdout.write(`USD per million deliveries (fan-out 1 / 10 / 100 / 1000):\n${Object.entries(pusher).map(([kind, costs]) => `  ${kind}: ${Object.values(costs).join(' / ')}`).join('\n')}\n`);
