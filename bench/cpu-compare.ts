/**
 * CPU per delivery of the tuned fan-out path in two checkouts, interleaved:
 * `npx tsx bench/cpu-compare.ts <other-checkout> [rounds] [deliveries]`. Each round runs
 * the other checkout's bench/cpu-child.ts, then this one's, against one local HTTP sink
 * answering 200; the medians are printed with their ratio, so the load of a shared machine
 * falls on both alike (`npm run bench` measures one checkout alone).
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { here } from './ws-clients.js';

const [otherCheckout, roundsArgument, deliveriesArgument] = process.argv.slice(2);
if (!otherCheckout) throw new Error('usage: npx tsx bench/cpu-compare.ts <other-checkout> [rounds] [deliveries]');
const rounds = Number(roundsArgument ?? 7);
const deliveries = Number(deliveriesArgument ?? 3000);

const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end());
});
sink.keepAliveTimeout = 60_000;
await new Promise<void>((done) => sink.listen(0, '127.0.0.1', () => done()));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/bench`;

function measure(child: string): Promise<number> {
  return new Promise((done, fail) => {
    const process_ = fork(child, ['tuned', endpoint, String(deliveries), '500'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let text = '';
    process_.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    process_.on('exit', (code) => (code === 0 ? done((JSON.parse(text.trim().split('\n').pop() as string) as { cpu_us_per_delivery: number }).cpu_us_per_delivery) : fail(new Error(`${child} exited with ${String(code)}`))));
  });
}

const r1 = (value: number) => Math.round(value * 10) / 10;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const runs = { other: [] as number[], here: [] as number[] };
try {
  for (let round = 1; round <= rounds; round += 1) {
    runs.other.push(await measure(resolve(otherCheckout, 'bench/cpu-child.ts')));
    runs.here.push(await measure(here('cpu-child.ts')));
    process.stdout.write(`round ${round}: ${otherCheckout} ${r1(runs.other.at(-1) as number)} us, here ${r1(runs.here.at(-1) as number)} us\n`);
  }
  const [other, mine] = [median(runs.other), median(runs.here)];
  process.stdout.write(`median CPU per delivery (tuned, ${deliveries} posts, ${rounds} rounds): ${otherCheckout} ${r1(other)} us, here ${r1(mine)} us, ratio ${(mine / other).toFixed(2)}\n`);
} finally {
  sink.closeAllConnections();
  sink.close();
}
