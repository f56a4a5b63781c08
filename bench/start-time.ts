/**
 * How long `npm start` takes to be ready, from a warm install: the time from spawning
 * `npm start -- --port 0` to its `listening on` line, `runs` times with the assembly kept
 * from an earlier start (one unmeasured start first makes sure it is there), then once
 * without one (a fresh TMPDIR: nothing kept, the app synthesized as on a first start; the
 * shared cache of the other processes on this machine is left alone).
 *   npx tsx bench/start-time.ts [runs]
 * Prints one line per start and a JSON summary (seconds).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /listening on /;
const LIMIT_MS = 180_000;

/** Seconds from the spawn to the ready line, then the whole process group is stopped. */
function timeStart(env: NodeJS.ProcessEnv): Promise<{ seconds: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('npm', ['start', '--', '--port', '0'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let seconds: number | undefined;
    const timer = setTimeout(() => stop(), LIMIT_MS);
    const stop = () => {
      clearTimeout(timer);
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        // already gone
      }
    };
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(`${((performance.now() - started) / 1000).toFixed(2)} s  ${line}`);
        if (seconds === undefined && READY.test(line)) {
          seconds = (performance.now() - started) / 1000;
          stop();
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => lines.push(`stderr ${chunk.toString().trimEnd()}`));
    child.on('exit', () => (seconds === undefined ? reject(new Error(`npm start exited before it was ready:\n${lines.join('\n')}`)) : resolve({ seconds, lines })));
  });
}

const runs = Number(process.argv[2] ?? 5);
const r2 = (value: number) => Math.round(value * 100) / 100;
const log = (line: string) => void process.stdout.write(`${line}\n`);

await timeStart(process.env);
const kept: number[] = [];
for (let run = 1; run <= runs; run += 1) {
  const { seconds } = await timeStart(process.env);
  kept.push(seconds);
  log(`kept assembly, start ${run}/${runs}: ready in ${seconds.toFixed(2)} s`);
}
const freshTmp = mkdtempSync(join(tmpdir(), 'topicast-start-time-'));
try {
  const { seconds, lines } = await timeStart({ ...process.env, TMPDIR: freshTmp });
  log(`no kept assembly (fresh TMPDIR): ready in ${seconds.toFixed(2)} s`);
  for (const line of lines) log(`  ${line}`);
  const sorted = [...kept].sort((a, b) => a - b);
  log(JSON.stringify({ kept_assembly_s: kept.map(r2), kept_median_s: r2(sorted[Math.floor(sorted.length / 2)] as number), no_kept_assembly_s: r2(seconds) }));
} finally {
  rmSync(freshTmp, { recursive: true, force: true });
}
