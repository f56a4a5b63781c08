/**
 * Presence across a reconnect through `npm start` (cli/npm-start.ts: this repository's app
 * run by `topicast local` from its template): `$disconnect` holds a named member's row and
 * sends the grace timer's message to the template's SQS queue (DelaySeconds); the presence
 * grace function reads it through its event source mapping and releases the row nobody
 * took. Every call is the deployed one, IAM enforced. The grace period is 4 s (--config).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../cli/local-command.js';
import { NPM_START_MOUNTS, npmStartOptions } from '../../cli/npm-start.js';
import type { LocalRuntime } from '../../local-runtime/runtime.js';
import { connectOk, type TestClient } from '../security/ws-client.js';
import { noDiffOnItsWay, waitForGraceTimer } from '../support/grace-queue.js';

// A first invocation starts the function's process and loads its bundle: slow on a busy machine.
const COLD_START_MS = 30_000;
const GRACE_MS = 4000;
// The grace timer counts whole seconds (SQS DelaySeconds), the presence window adds its own, and so does a loaded machine.
const SLACK_MS = 8000;

type Diff = { joins: Record<string, unknown>; leaves: Record<string, unknown> };
const diffOf = (frame: { payload: unknown }) => frame.payload as Diff;
const secret = () => randomBytes(16).toString('base64url');

/** Takes the presence_diffs of both joins (one coalesced diff or two). */
async function bothJoined(watcher: TestClient): Promise<void> {
  const joined = new Set<string>();
  while (joined.size < 2) {
    const diff = await watcher.take((frame) => frame.event === 'presence_diff', 'the presence diffs of both joins', COLD_START_MS);
    for (const key of Object.keys(diffOf(diff).joins)) joined.add(key);
  }
}

describe('npm start: presence across a reconnect, on the template’s grace queue', () => {
  const lines: string[] = [];
  const configDir = mkdtempSync(join(tmpdir(), 'topicast-grace-config-'));
  let runtime: LocalRuntime;
  let url: string;

  beforeAll(async () => {
    const config = join(configDir, 'config.json');
    writeFileSync(config, JSON.stringify({ presence: { graceMs: GRACE_MS } }));
    // Not quiet: the functions' lines (kept here, not printed) explain a failure.
    const options = npmStartOptions({ port: '0', quiet: false, config }, {});
    // No kept assembly: its key does not cover files outside the app's folder.
    runtime = await startLocal({ ...options, cache: false }, {}, (line) => lines.push(line), { mounts: NPM_START_MOUNTS });
    url = `${runtime.apis[0]?.url ?? ''}/local`;
  });
  afterAll(async () => {
    await runtime?.end();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('sends no presence_diff for a member that reconnects within the grace period', async () => {
    const topic = `room:grace-${secret().slice(0, 8)}`;
    const watcher = await connectOk(url);
    const member = secret();
    let flapping = await connectOk(url);
    try {
      expect(await watcher.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
      expect(await flapping.join(topic, { member })).toMatchObject({ status: 'ok' });
      await bothJoined(watcher);
      await noDiffOnItsWay(runtime);
      // A dropped connection (1006, no close frame), and a rejoin once $disconnect has held the row and set its timer.
      const terminatedAt = Date.now();
      flapping.ws.terminate();
      await waitForGraceTimer(runtime, terminatedAt, COLD_START_MS);
      flapping = await connectOk(url);
      expect(await flapping.join(topic, { member })).toMatchObject({ status: 'ok' });
      await expect(watcher.take((frame) => frame.event === 'presence_diff', 'no presence_diff', GRACE_MS + SLACK_MS), lines.filter((line) => /grace|ERROR|WARN/.test(line)).join('\n')).rejects.toThrow(/no no presence_diff within/);
      expect(lines.filter((line) => line.startsWith('AccessDenied'))).toEqual([]);
    } finally {
      await Promise.all([watcher.close(), flapping.close()]);
    }
  }, 120_000);

  it('announces the leave of a member that does not come back, after the grace period', async () => {
    const topic = `room:grace-${secret().slice(0, 8)}`;
    const watcher = await connectOk(url);
    const gone = await connectOk(url);
    try {
      expect(await watcher.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
      expect(await gone.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
      await bothJoined(watcher);
      await noDiffOnItsWay(runtime);
      const dropped = Date.now();
      gone.ws.terminate();
      const leave = await watcher.take((frame) => frame.event === 'presence_diff', 'the leave after the grace period', GRACE_MS + SLACK_MS + COLD_START_MS);
      expect(diffOf(leave).joins).toEqual({});
      expect(Object.keys(diffOf(leave).leaves)).toHaveLength(1);
      // Earlier means $disconnect could not set the grace timer and released the row at once (its error says why).
      expect(Date.now() - dropped, lines.filter((line) => /grace|ERROR|WARN|AccessDenied/.test(line)).join('\n')).toBeGreaterThanOrEqual(GRACE_MS);
    } finally {
      await watcher.close();
    }
  }, 120_000);
});
