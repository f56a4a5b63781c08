/**
 * One process per data dir: a second opener is refused with a message naming the owner and
 * how to share the store; a lock left by a dead process is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../cli/data-dir-lock.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'topicast-lock-'));
  dirs.push(dir);
  return join(dir, 'data');
}

describe('lockDataDir', () => {
  it('refuses a second lock while the first is held, naming the owner, and grants it after release', () => {
    const dir = freshDir();
    const first = lockDataDir(dir, 'a topicast local gateway');
    first.describe('ws://127.0.0.1:3001');

    let refusal: unknown;
    try {
      lockDataDir(dir, 'a topicast local gateway');
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(DataDirInUseError);
    const message = (refusal as Error).message;
    expect(message).toContain(`the data dir ${dir} is in use by a topicast local gateway ws://127.0.0.1:3001, this process (pid ${process.pid})`);
    expect(message).toContain(`npx topicast dynamodb --port 8000 --data-dir ${dir}`);
    expect(message).toContain('DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start -- --port 3002');
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir, 'a topicast local gateway').release();
  });

  it('takes over a lock whose process is gone', () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    lockDataDir(dir, 'x').release();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), role: 'a topicast local gateway', startedAt: new Date().toISOString() }));

    const lock = lockDataDir(dir, 'topicast dynamodb');

    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, role: 'topicast dynamodb' });
    lock.release();
  });

  it('refuses a lock held by another live process, naming its pid', () => {
    const dir = freshDir();
    lockDataDir(dir, 'x').release();
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, role: 'topicast dynamodb', startedAt: new Date().toISOString(), url: 'http://127.0.0.1:8000' }));

    expect(() => lockDataDir(dir, 'a topicast local gateway')).toThrow(`is in use by topicast dynamodb http://127.0.0.1:8000, pid ${process.ppid}`);
  });
});
