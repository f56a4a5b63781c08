/**
 * Bundle size and module init time of every function in two checkouts, side by side:
 * `npx tsx bench/bundles-compare.ts <other-checkout> [runs]`. Each function's two bundles
 * are imported alternately in fresh processes (`runs` times each, median), so the load of
 * a shared machine falls on both alike; `bench/bundles.ts` measures one checkout alone.
 * The other checkout needs its own bench/bundles.ts and node_modules (a symlink will do).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleFunctions, initTimeMs } from './bundles.js';

const [otherCheckout, runsArgument] = process.argv.slice(2);
if (!otherCheckout) throw new Error('usage: npx tsx bench/bundles-compare.ts <other-checkout> [runs]');
const runs = Number(runsArgument ?? 21);
const other = (await import(resolve(otherCheckout, 'bench/bundles.ts'))) as typeof import('./bundles.js');
const dir = mkdtempSync(join(tmpdir(), 'topicast-bundles-compare-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
try {
  const before = await other.bundleFunctions(join(dir, 'before'));
  const after = await bundleFunctions(join(dir, 'after'));
  process.stdout.write(`| function | bundle (KB) ${otherCheckout} → here | module init (ms), median of ${runs} |\n| --- | ---: | ---: |\n`);
  for (const [name, mine] of Object.entries(after)) {
    const theirs = before[name];
    if (!theirs) continue;
    const times = { before: [] as number[], after: [] as number[] };
    for (let run = 0; run < runs; run += 1) {
      times.before.push(initTimeMs(theirs.file, 1));
      times.after.push(initTimeMs(mine.file, 1));
    }
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    process.stdout.write(`| \`${name}\` | ${kb(theirs.bytes)} → ${kb(mine.bytes)} | ${median(times.before).toFixed(1)} → ${median(times.after).toFixed(1)} |\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
