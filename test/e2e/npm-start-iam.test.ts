/**
 * The done-when test of issue 19: `npm start` runs the template that deploys, IAM enforced.
 * Through `npm start`'s own path (cli/npm-start.ts: its options, mounts and `topicast local`),
 * this repository's app broadcasts a push; the same app without the push function's
 * ManageConnections grant (a test app: test/fixtures/without-push-grant) fails the broadcast
 * with AccessDenied, as AWS would.
 */
import { rmSync } from 'node:fs';
import { withoutGrantAppDir } from '../fixtures/without-push-grant/app-dir.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../cli/local-command.js';
import { NPM_START_MOUNTS, npmStartOptions } from '../../cli/npm-start.js';
import type { LocalRuntime } from '../../local-runtime/runtime.js';
import { connectOk } from '../security/ws-client.js';

// A first invocation starts the function's process and loads its bundle: slow on a busy machine.
const COLD_START_MS = 30_000;

/** `npm start -- --port 0 --quiet`, for the app in `appDir` (the repository's by default). */
async function npmStart(lines: string[], appDir?: string): Promise<LocalRuntime> {
  const options = npmStartOptions({ port: '0', quiet: true }, {});
  // No kept assembly: its key does not cover files outside the app's folder (lib/, the test app).
  return startLocal({ ...options, ...(appDir ? { appDir } : {}), cache: false }, {}, (line) => lines.push(line), { mounts: NPM_START_MOUNTS });
}


/** Alice pushes on a topic both joined; whether Bob hears it within `listenMs`, after `settled` (the denial, when one is expected). */
async function pushBetweenTwo(runtime: LocalRuntime, listenMs: number, settled: () => Promise<void> = () => Promise.resolve()): Promise<{ heard: boolean }> {
  const url = `${runtime.apis[0]?.url ?? ''}/local`;
  const alice = await connectOk(url);
  const bob = await connectOk(url);
  try {
    expect(await alice.join('room:lobby')).toMatchObject({ status: 'ok' });
    expect(await bob.join('room:lobby')).toMatchObject({ status: 'ok' });
    alice.send({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { text: 'hi' }, ref: '9' });
    await settled();
    const heard = await bob.take((frame) => frame.event === 'shout', 'the broadcast', listenMs).then(
      () => true,
      () => false,
    );
    return { heard };
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

const DENIED = /^AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/Topicast-RealtimePushRole\w*\/Topicast-RealtimePush\w* is not authorized to perform: execute-api:ManageConnections/;

describe('npm start without the push function’s ManageConnections grant', () => {
  const lines: string[] = [];
  const appDir = withoutGrantAppDir();
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await npmStart(lines, appDir);
  });
  afterAll(async () => {
    await runtime?.end();
    rmSync(appDir, { recursive: true, force: true });
  });

  it('fails the broadcast with AccessDenied, as AWS would', async () => {
    const denied = () => expect.poll(() => lines.some((line) => DENIED.test(line)), { timeout: COLD_START_MS }).toBe(true);
    const { heard } = await pushBetweenTwo(runtime, 2000, denied);
    expect(heard).toBe(false);
  });
});

describe('npm start with the grant (the app as it deploys)', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await npmStart(lines);
  });
  afterAll(() => runtime?.end());

  it('broadcasts the push, with no denial', async () => {
    const { heard } = await pushBetweenTwo(runtime, COLD_START_MS);
    expect(heard).toBe(true);
    expect(lines.filter((line) => line.startsWith('AccessDenied'))).toEqual([]);
  });
});
