/**
 * CPU time of this process and every process below it, from /proc (Linux): under the
 * template runtime the functions run in child processes of the bench's gateway process, so
 * process.cpuUsage() alone would leave most of the work out.
 *
 * For each process: utime + stime + cutime + cstime (/proc/<pid>/stat fields 14-17): a child
 * that exited and was reaped moves its time into its parent's cutime/cstime, so the sum over
 * the live tree only grows, and an execution environment ended between two reads is still
 * counted. Resolution: one clock tick (10 ms at CLK_TCK 100).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  readonly ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): field n is fields[n - 3].
    const at = (n: number) => Number(fields[n - 3]);
    return { pid: Number(pid), ppid: at(4), ticks: at(14) + at(15) + at(16) + at(17) };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** `root` and its live descendants. */
function processTree(root: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  let self: ProcStat | undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (!stat) continue;
    if (stat.pid === root) self = stat;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  }
  const tree: ProcStat[] = [];
  const queue = self ? [self] : [];
  while (queue.length > 0) {
    const stat = queue.pop() as ProcStat;
    tree.push(stat);
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return tree;
}

/** The CPU time, in µs, of `root` (default: this process) and all its live descendants. */
export function processTreeCpuUs(root = process.pid): number {
  return processTree(root).reduce((sum, stat) => sum + stat.ticks, 0) * TICK_US;
}

/** Resident memory, in MB, of `root` and its live descendants (VmRSS added up; shared pages count once per process). */
export function processTreeRssMb(root = process.pid): number {
  let kb = 0;
  for (const { pid } of processTree(root)) {
    try {
      const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'));
      kb += Number(line?.split(/\s+/)[1] ?? 0);
    } catch {
      // gone between the listing and the read
    }
  }
  return kb / 1024;
}
