/**
 * Watch mode: a change under a function's code folder reaches its next invocation without
 * a restart. The folder's runners reload (idle environments end now, busy ones after their
 * invocation), so the next invocation starts an environment that loads the new code, as
 * after a deployment. With asset staging off (topicast local synthesizes so), a
 * `Code.fromAsset` folder is the user's own source folder, not a copy in the assembly.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { FunctionRunner } from './function-runner.js';

export interface CodeWatcher {
  close(): void;
}

// Editors write a file in several steps (truncate, write, rename): one reload for them all.
const SETTLE_MS = 25;

/** Watches each runner's code folder; `onReload` hears which functions reloaded for which file. */
export function watchFunctionCode(runners: Iterable<FunctionRunner>, onReload: (functions: readonly FunctionRunner[], file: string) => void): CodeWatcher {
  const byDir = new Map<string, FunctionRunner[]>();
  for (const runner of runners) byDir.set(runner.fn.codeDir, [...(byDir.get(runner.fn.codeDir) ?? []), runner]);
  const watchers: FSWatcher[] = [];
  const timers = new Set<NodeJS.Timeout>();
  for (const [dir, dirRunners] of byDir) {
    let timer: NodeJS.Timeout | undefined;
    let changed = '';
    const watcher = watch(dir, { recursive: true, persistent: false }, (_event, file) => {
      changed = String(file ?? '');
      if (timer) return;
      timer = setTimeout(() => {
        timers.delete(timer as NodeJS.Timeout);
        timer = undefined;
        for (const runner of dirRunners) runner.reload();
        onReload(dirRunners, changed);
      }, SETTLE_MS);
      timers.add(timer);
    });
    // A folder that goes away (an assembly deleted under a running runtime) stops being watched; nothing else breaks.
    watcher.on('error', () => watcher.close());
    watchers.push(watcher);
  }
  return {
    close() {
      for (const timer of timers) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
