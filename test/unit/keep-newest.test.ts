import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepNewest } from '../../local-runtime/keep-newest.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function cacheFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'topicast-keep-newest-'));
  folders.push(folder);
  return folder;
}

/** A folder `name` in `cache`, modified `ageSeconds` ago (or its `datedBy` file, when given). */
function entry(cache: string, name: string, ageSeconds: number, datedBy?: string): void {
  const path = join(cache, name);
  mkdirSync(path);
  const at = new Date(Date.now() - ageSeconds * 1000);
  if (datedBy !== undefined) {
    writeFileSync(join(path, datedBy), '{}');
    utimesSync(join(path, datedBy), at, at);
    // The folder itself newest of all: the file inside must be what dates the entry.
    return;
  }
  utimesSync(path, at, at);
}

const left = (cache: string) => readdirSync(cache).sort();

describe('keepNewest (a cache folder shared by processes)', () => {
  it('keeps the newest entries by modification time and the current one, and leaves what is no entry alone', () => {
    // Prepare: five entries, the oldest the current one; a staging folder and a file
    const cache = cacheFolder();
    for (const [name, age] of [['a', 50], ['b', 40], ['c', 30], ['d', 20], ['e', 10]] as const) entry(cache, name, age);
    entry(cache, '.staging', 100);
    writeFileSync(join(cache, 'loose-file'), '');

    // Act
    const removed = keepNewest(cache, { keep: 2, isEntry: (name) => !name.startsWith('.'), current: 'a' });

    // Assess
    expect(removed.sort()).toEqual(['b', 'c']);
    expect(left(cache)).toEqual(['.staging', 'a', 'd', 'e', 'loose-file']);
  });

  it('dates an entry by the file named datedBy, and takes a folder without it for no entry', () => {
    // Prepare: the manifests' ages order x before y before z; w has no manifest yet (being written)
    const cache = cacheFolder();
    entry(cache, 'z', 300, 'manifest.json');
    entry(cache, 'y', 200, 'manifest.json');
    entry(cache, 'x', 100, 'manifest.json');
    entry(cache, 'w', 1000);

    // Act
    const removed = keepNewest(cache, { keep: 1, isEntry: () => true, datedBy: 'manifest.json' });

    // Assess
    expect(removed.sort()).toEqual(['y', 'z']);
    expect(left(cache)).toEqual(['w', 'x']);
  });

  it('skips an entry another process removed between the listing and its dating (ENOENT), and prunes the rest', () => {
    // Prepare: another process prunes the same folder at once: it removes "c" and "b" while
    // this one is past its listing (here, as this one looks at its first entry).
    const cache = cacheFolder();
    for (const [name, age] of [['a', 40], ['b', 30], ['c', 20], ['d', 10]] as const) entry(cache, name, age, 'manifest.json');
    let otherProcessRan = false;
    const isEntry = () => {
      if (!otherProcessRan) {
        otherProcessRan = true;
        rmSync(join(cache, 'c'), { recursive: true });
        rmSync(join(cache, 'b', 'manifest.json'));
      }
      return true;
    };

    // Act
    const removed = keepNewest(cache, { keep: 1, isEntry, datedBy: 'manifest.json' });

    // Assess: "a" still went; "b" (no manifest) and "c" (gone) were skipped without an error
    expect(otherProcessRan).toBe(true);
    expect(removed).toEqual(['a']);
    expect(left(cache)).toEqual(['b', 'd']);
  });

  it('prunes nothing, without an error, when the cache folder itself is gone', () => {
    const cache = cacheFolder();
    rmSync(cache, { recursive: true });

    expect(keepNewest(cache, { keep: 1, isEntry: () => true })).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });
});
