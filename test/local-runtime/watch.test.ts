/**
 * Watch mode: a CDK app synthesized as `topicast local` does (asset staging off, so a
 * `Code.fromAsset` folder is the source folder itself) and run with `watch`: an edit of a
 * handler is picked up by the next invocation, without restarting the runtime. The edit is
 * noticed within 2 s; the new code then loads in a new execution environment (a cold start).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { synthesize } from '../../local-runtime/assembly/synthesize.js';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/simple-chat', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
// A new environment loads the SDK: slow on a busy machine.
const COLD_START_MS = 30_000;

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${COLD_START_MS} ms`)), COLD_START_MS);
    ws.once('message', (data: WebSocket.RawData) => {
      clearTimeout(timer);
      resolve(String(data));
    });
  });
}

describe('topicast local watch mode', () => {
  const lines: string[] = [];
  const appDir = mkdtempSync(join(tmpdir(), 'topicast-watch-app-'));
  let runtime: LocalRuntime;
  let ws: WebSocket;

  beforeAll(async () => {
    // A copy of the app the test may edit; aws-cdk-lib resolves from the repository's node_modules.
    cpSync(FIXTURE, appDir, { recursive: true });
    symlinkSync(NODE_MODULES, join(appDir, 'node_modules'));
    const assemblyDir = await synthesize({ appDir, staging: false });
    runtime = await startLocalRuntime({ assemblyDir, port: 0, watch: true, write: (line) => lines.push(line) });
    ws = new WebSocket(runtime.apis[0]?.url as string);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  });
  afterAll(async () => {
    ws?.close();
    await runtime?.end();
    rmSync(appDir, { recursive: true, force: true });
  });

  it('runs the function from its source folder, not a copy in the assembly', () => {
    const sendMessage = runtime.app.functions.find((fn) => fn.logicalId.startsWith('SendMessageFunction'));
    expect(sendMessage?.codeDir).toBe(join(appDir, 'handlers', 'sendmessage'));
  });

  it('picks up an edited handler in the next invocation, without a restart', async () => {
    let received = nextMessage(ws);
    ws.send(JSON.stringify({ action: 'sendmessage', data: 'before' }));
    expect(await received).toBe('before');

    const handler = join(appDir, 'handlers', 'sendmessage', 'app.js');
    writeFileSync(handler, readFileSync(handler, 'utf8').replace('const postData = JSON.parse(event.body).data;', 'const postData = `edited: ${JSON.parse(event.body).data}`;'));
    const editedAt = Date.now();
    await expect.poll(() => lines.find((line) => line.startsWith('reloaded SendMessageFunction')), { timeout: 2000, interval: 20 }).toMatch(/^reloaded SendMessageFunction\w+: app\.js changed$/);
    const noticedMs = Date.now() - editedAt;
    expect(noticedMs).toBeLessThan(2000);

    received = nextMessage(ws);
    ws.send(JSON.stringify({ action: 'sendmessage', data: 'after' }));
    expect(await received).toBe('edited: after');
    // Only the edited function reloaded.
    expect(lines.filter((line) => line.startsWith('reloaded'))).toHaveLength(1);
  });
});
