/**
 * One process per data dir. The embedded DynamoDB keeps a data dir in LevelDB, which a
 * second process cannot open: dynalite then fails every request with "Database is closed".
 * A lock file taken before dynalite opens the folder turns that into a refusal that names
 * the process holding it and says how to share one store instead.
 *
 * The lock is a file created exclusively (`wx`) holding the owner's pid; a lock whose pid
 * is no longer alive (a process killed with SIGKILL) is stale and taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'topicast.lock';

export interface LockOwner {
  readonly pid: number;
  /** What holds it, e.g. `local gateway` or `topicast dynamodb`. */
  readonly role: string;
  readonly startedAt: string;
  /** Where the owner serves, once it listens. */
  readonly url?: string;
}

export interface DataDirLock {
  readonly dir: string;
  /** Records where the owner serves, for the message a second process gets. */
  describe(url: string): void;
  release(): void;
}

export class DataDirInUseError extends Error {
  public constructor(
    public readonly dir: string,
    public readonly owner: LockOwner,
  ) {
    const since = new Date(owner.startedAt).toLocaleTimeString();
    const who = owner.pid === process.pid ? `this process (pid ${owner.pid})` : `pid ${owner.pid}`;
    super(
      `the data dir ${dir} is in use by ${owner.role}${owner.url ? ` ${owner.url}` : ''}, ${who}, since ${since}. ` +
        'One embedded DynamoDB store cannot be opened by two processes. To share one store between gateways, serve it once:\n' +
        `  npx topicast dynamodb --port 8000 --data-dir ${dir}\n` +
        'and point every gateway at it:\n' +
        '  DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start -- --port 3001\n' +
        '  DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start -- --port 3002',
    );
    this.name = 'DataDirInUseError';
  }
}

// Locks held by this process: a second gateway in the same process (tests start many) is refused too.
const held = new Set<string>();

/** Takes the data dir's lock, creating the folder; throws DataDirInUseError when another live process holds it. */
export function lockDataDir(dir: string, role: string): DataDirLock {
  const absolute = resolve(dir);
  mkdirSync(absolute, { recursive: true });
  const file = join(absolute, LOCK_FILE);
  let owner: LockOwner = { pid: process.pid, role, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = readOwner(file);
      if (current && isAlive(current.pid) && (current.pid !== process.pid || held.has(absolute))) throw new DataDirInUseError(dir, current);
      // Stale: its process is gone (or it is this process's own, released without cleanup).
      unlinkSync(file);
    }
  }
  held.add(absolute);
  const onExit = () => release();
  process.once('exit', onExit);
  function release(): void {
    if (!held.delete(absolute)) return;
    process.removeListener('exit', onExit);
    if (readOwner(file)?.pid === process.pid) unlinkSync(file);
  }
  return {
    dir: absolute,
    describe(url) {
      owner = { ...owner, url };
      writeFileSync(file, JSON.stringify(owner));
    },
    release,
  };
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
