/**
 * examples/phoenix-chat.ts as the README runs it (`npx tsx examples/phoenix-chat.ts alice`):
 * it says which gateway it connects to (TOPICAST_URL), prints who is online once per
 * change (the joiner's own presence_diff syncs again with the same members), and chats.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/template-gateway.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
let gateway: RunningGateway;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await gateway?.end();
});

function chat(name: string): { child: ChildProcessWithoutNullStreams; output: () => string; waitFor: (text: string) => Promise<void> } {
  const child = spawn(process.execPath, [tsx, 'examples/phoenix-chat.ts', name], { cwd: repoRoot, env: { ...process.env, TOPICAST_URL: gateway.url } });
  children.push(child);
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of waiters.filter((w) => out.includes(w.text))) waiter.resolve();
  });
  return {
    child,
    output: () => out,
    waitFor: (text) => (out.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }))),
  };
}

describe('examples/phoenix-chat.ts', () => {
  it('names its gateway, prints each change of who is online once, and chats', async () => {
    // Act
    const alice = chat('alice');
    await alice.waitFor('* joined room:lobby as alice');
    // Past the presence window, when alice's own presence_diff has arrived and synced.
    await gateway.flushPresence();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const bob = chat('bob');
    await bob.waitFor('* joined room:lobby as bob');
    await alice.waitFor('* online: alice, bob');
    bob.child.stdin.write('hello alice\n');
    await alice.waitFor('bob: hello alice');

    // Assess
    expect(alice.output()).toContain(`* connecting to ${gateway.url}\n`);
    const onlineLines = alice.output().split('\n').filter((line) => line.startsWith('* online:'));
    expect(onlineLines).toEqual(['* online: alice', '* online: alice, bob']);
  });
});
