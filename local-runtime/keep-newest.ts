/**
 * Pruning of a cache folder that several processes share (test files side by side, two
 * terminals): the kept assemblies (assembly/assembly-cache.ts) and the kept builds
 * (runner/bundle-cache.ts). Another process may prune the same folder at the same time, so
 * an entry listed a moment ago may be gone when it is dated or removed: it is skipped, never
 * an error (an ENOENT there once failed a test file's start).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface KeepNewestOptions {
  /** How many entries to keep, the newest by modification time. */
  readonly keep: number;
  /** Which folders of the cache folder are entries (anything else is left alone: staging folders, locks). */
  readonly isEntry: (name: string) => boolean;
  /** The file inside an entry whose modification time dates it, when the entry's own does not (and without which it is no entry). @default the entry itself */
  readonly datedBy?: string;
  /** An entry never removed, however old (the one this process just made or uses). */
  readonly current?: string;
}

/** Removes all but the `keep` newest entries of `folder`; answers the names it removed. */
export function keepNewest(folder: string, options: KeepNewestOptions): string[] {
  const dated = listFolders(folder)
    .filter((name) => options.isEntry(name))
    .flatMap((name) => {
      const stat = statSync(options.datedBy === undefined ? join(folder, name) : join(folder, name, options.datedBy), { throwIfNoEntry: false });
      return stat ? [{ name, at: stat.mtimeMs }] : [];
    })
    .sort((a, b) => b.at - a.at);
  const removed: string[] = [];
  for (const { name } of dated.slice(options.keep)) {
    if (name === options.current) continue;
    // force: an entry another process removed meanwhile is not an error.
    rmSync(join(folder, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function listFolders(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? [entry.name] : []));
  } catch (error) {
    // The whole cache folder removed meanwhile (a cleanup of the temp folder): nothing to prune.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
