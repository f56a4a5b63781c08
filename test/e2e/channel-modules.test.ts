/**
 * Channel modules through the local gateway, loaded as `npm start -- --channel FILE`
 * loads them: the example chat app, and a module in a folder outside the repository that
 * imports nothing from topicast. Real clients: `ws` with native frames, and the official
 * `phoenix` client, unchanged.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket, type Channel } from 'phoenix';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayTransport } from '../../client/phoenix-transport.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { uniqueTopic, waitUntil } from '../support/local-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

const outside = mkdtempSync(join(tmpdir(), 'topicast-outside-'));
const OUTSIDE_MODULE = join(outside, 'echo.ts');
writeFileSync(
  OUTSIDE_MODULE,
  `// A module that knows nothing of topicast: a plain object.
interface Socket { assigns: Record<string, unknown>; assign(v: object): void; push(e: string, p: unknown): Promise<void> }
export default {
  topic: 'echo:*',
  join(_topic: string, params: { secret?: string }, socket: Socket) {
    if (params.secret !== 'open sesame') return { error: { reason: 'wrong_secret' } };
    socket.assign({ joinedAt: 'join' });
    return { ok: { hello: 'from outside' } };
  },
  async handleIn(event: string, payload: unknown, socket: Socket) {
    if (event === 'crash') throw new Error('outside module bug');
    await socket.push('echoed', { event, payload, assigns: socket.assigns });
    return { reply: { ok: { echoed: true } } };
  },
};
`,
);

let gateway: RunningGateway;
const clients: WsClient[] = [];
const sockets: Socket[] = [];
const logged: string[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    channels: ['examples/chat/room.ts', 'examples/chat/inbox.ts', OUTSIDE_MODULE],
    write: (line) => logged.push(line),
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await closeAll(clients);
  await gateway?.end();
  rmSync(outside, { recursive: true, force: true });
});

async function client(): Promise<WsClient> {
  const opened = await openClient(gateway.url);
  clients.push(opened);
  return opened;
}

function phoenixSocket(): Socket {
  const socket = new Socket(`${gateway.url}/prod`, { transport: apiGatewayTransport(WebSocket) as unknown as typeof globalThis.WebSocket, heartbeatIntervalMs: 1000 });
  socket.connect();
  sockets.push(socket);
  return socket;
}

function receive(push: ReturnType<Channel['push']>): Promise<{ status: string; response: any }> {
  return new Promise((resolve, reject) => {
    push
      .receive('ok', (response: unknown) => resolve({ status: 'ok', response }))
      .receive('error', (response: unknown) => resolve({ status: 'error', response }))
      .receive('timeout', () => reject(new Error('no reply')));
  });
}

describe('channel modules in the local gateway', () => {
  it('native clients: the chat room validates, stamps, broadcasts, and hands history to the next joiner', async () => {
    // Prepare
    const topic = uniqueTopic('room');
    const [ann, bob] = [await client(), await client()];
    await ann.join(topic, { name: 'Ann' });
    await bob.join(topic, { name: 'Bob' });

    // Act
    const empty = await ann.request({ action: 'push', topic, event: 'shout', payload: { body: '' } });
    const ok = await ann.request({ action: 'push', topic, event: 'shout', payload: { body: 'hello', from: 'Mallory' } });
    const shout = await bob.nextEvent('shout');
    const late = await client();
    const joined = await late.join(topic, { name: 'Late' });

    // Assess
    expect(empty.payload).toEqual({ status: 'error', response: { reason: 'empty_message' } });
    expect(ok.payload.status).toBe('ok');
    expect(shout).toMatchObject({ topic, payload: { from: 'Ann', body: 'hello', at: ok.payload.response.at } });
    expect(joined.payload.response.history).toEqual([shout.payload]);
  });

  it('the official phoenix client: join().receive("ok") gets the join response, push().receive("error") a handleIn error', async () => {
    // Prepare
    const topic = uniqueTopic('room');
    const seeder = await client();
    await seeder.join(topic, { name: 'Seed' });
    await seeder.request({ action: 'push', topic, event: 'shout', payload: { body: 'before you came' } });
    const socket = phoenixSocket();
    const channel = socket.channel(topic, { name: 'Phil' });

    // Act
    const joined = await receive(channel.join());
    const tooLong = await receive(channel.push('shout', { body: 'x'.repeat(501) }));
    const sent = await receive(channel.push('shout', { body: 'hi from phoenix' }));
    const refused = await receive(socket.channel(uniqueTopic('room'), {}).join());

    // Assess
    expect(joined).toEqual({ status: 'ok', response: { history: [expect.objectContaining({ from: 'Seed', body: 'before you came' })] } });
    expect(tooLong).toEqual({ status: 'error', response: { reason: 'message_too_long', max: 500 } });
    expect(sent.status).toBe('ok');
    expect(await seeder.nextEvent('shout', (m) => m.payload.body === 'hi from phoenix')).toMatchObject({ payload: { from: 'Phil' } });
    expect(refused).toMatchObject({ status: 'error', response: { reason: 'name_required' } });
  });

  it('a module from outside the repository, importing nothing from topicast, works; its crash is internal_error, logged, and the socket stays open', async () => {
    // Prepare
    const c = await client();
    const topic = uniqueTopic('echo');

    // Act
    const wrong = await c.request({ action: 'join', topic, payload: { secret: 'guess' } });
    const joined = await c.request({ action: 'join', topic, payload: { secret: 'open sesame' } });
    const echoed = await c.request({ action: 'push', topic, event: 'ping_me', payload: { n: 1 } });
    const crashed = await c.request({ action: 'push', topic, event: 'crash' });
    const pong = await c.ping();

    // Assess
    expect(wrong.payload).toEqual({ status: 'error', response: { reason: 'wrong_secret' } });
    expect(joined.payload).toEqual({ status: 'ok', response: { hello: 'from outside' } });
    expect(echoed.payload).toEqual({ status: 'ok', response: { echoed: true } });
    expect(c.messages).toContainEqual({ topic, event: 'echoed', payload: { event: 'ping_me', payload: { n: 1 }, assigns: { joinedAt: 'join' } } });
    expect(crashed.payload.response.reason).toBe('internal_error');
    expect(pong.payload.status).toBe('ok');
    // The push function's own log line (Powertools JSON, after its `[logicalId]`), which its process may print after the reply went out.
    const crashLine = () => logged.find((l) => l.includes('"channel callback failed"') && l.includes('outside module bug'));
    await waitUntil(() => crashLine() !== undefined, 'the push function logged the crash');
    const line = crashLine() ?? '';
    expect(JSON.parse(line.slice(line.indexOf('{')))).toMatchObject({ level: 'ERROR', message: 'channel callback failed', module: expect.stringContaining('echo.ts'), callback: 'handleIn', topic, event: 'crash' });
  });

  it('refuses to start with a module that cannot work, naming the file', async () => {
    // Prepare
    const broken = join(outside, 'broken.ts');
    writeFileSync(broken, "export default { topic: '', join: 42 };\n");

    // Act & Assess
    await expect(startTestGateway({ channels: [broken] })).rejects.toThrow(/broken\.ts: topic must be a non-empty topic pattern[\s\S]*join must be a function/);
    await expect(startTestGateway({ channels: [join(outside, 'missing.ts')] })).rejects.toThrow(/channel module .*missing\.ts could not be loaded/);
  });
});

describe('npm start -- --channel', () => {
  it('loads every --channel file given, and refuses to start on a broken one with exit code 1', async () => {
    // Prepare: the CLI as `npm start` runs it (tsx), on a free port.
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/npm-start.ts', '--port', '0', '--quiet', '--channel', 'examples/chat/room.ts', '--channel', OUTSIDE_MODULE], {
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (ws:\/\/\S+)/.exec(output);
          if (match) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const c = await openClient(url);
      clients.push(c);

      // Act
      const room = await c.request({ action: 'join', topic: 'room:cli', payload: {} });
      const echo = await c.request({ action: 'join', topic: 'echo:cli', payload: { secret: 'open sesame' } });
      await c.close();

      // Assess
      expect(room.payload.response.reason).toBe('name_required');
      expect(echo.payload.response).toEqual({ hello: 'from outside' });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }

    const broken = join(outside, 'no-default.ts');
    writeFileSync(broken, 'export const topic = "x:*";\n');
    const failing = spawn(process.execPath, ['--import', 'tsx', 'cli/npm-start.ts', '--port', '0', '--channel', broken], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    failing.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(failing, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain('no-default.ts has no default export');
  });
});
