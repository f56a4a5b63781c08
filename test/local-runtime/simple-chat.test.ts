/**
 * A CDK app that is not topicast (test/fixtures/simple-chat: the aws-samples
 * simple-websockets-chat-app on the WebSocketApi L2, plain JavaScript handlers on the
 * runtime's SDK) synthesized offline and run by the local runtime: two WebSocket clients
 * chat through it, and without `grantManageConnections` the post is denied by the template's IAM.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { synthesize } from '../../local-runtime/assembly/synthesize.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local-runtime/runtime.js';

const APP_DIR = fileURLToPath(new URL('../fixtures/simple-chat', import.meta.url));
const WAIT_MS = 30_000;

/** A chat client as wscat is one: text frames in, text frames out. */
class ChatClient {
  public readonly received: string[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      this.received.push(String(data));
      for (const waiter of this.waiters) waiter();
    });
  }

  public static open(url: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new ChatClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`handshake answered ${String(response.statusCode)}`)));
    });
  }

  public send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  public waitFor(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(poll);
        reject(new Error(`no "${text}" within ${WAIT_MS} ms; received ${JSON.stringify(this.received)}`));
      }, WAIT_MS);
      const poll = () => {
        if (!this.received.includes(text)) return;
        clearTimeout(timer);
        this.waiters.delete(poll);
        resolve();
      };
      this.waiters.add(poll);
      poll();
    });
  }

  public close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

async function startChat(context: Record<string, unknown>, lines: string[], options: Partial<LocalRuntimeOptions> = {}): Promise<LocalRuntime> {
  const assemblyDir = await synthesize({ appDir: APP_DIR, context });
  return startLocalRuntime({ ...options, assemblyDir, port: 0, write: (line) => lines.push(line) });
}

describe('topicast local: the simple chat app with its grants', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startChat({}, lines);
  });
  afterAll(() => runtime?.end());

  it('prints one URL per WebSocket API, the first on the given port', () => {
    expect(runtime.apis).toHaveLength(1);
    expect(runtime.apis[0]).toMatchObject({ name: 'SimpleChatWebSocket', stage: 'Prod' });
    expect(runtime.apis[0]?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lets two clients chat: sendmessage scans the table and posts to https://{domainName}/{stage}', async () => {
    const url = runtime.apis[0]?.url as string;
    const alice = await ChatClient.open(`${url}/Prod`);
    const bob = await ChatClient.open(url);
    try {
      alice.send({ action: 'sendmessage', data: 'hello from alice' });
      await bob.waitFor('hello from alice');
      bob.send({ action: 'sendmessage', data: 'hi alice' });
      await alice.waitFor('hi alice');
      await bob.waitFor('hi alice');
      // The route has no route response: the function's body ("Data sent.") never reaches the client.
      expect(alice.received).toEqual(['hello from alice', 'hi alice']);
      expect(bob.received).toEqual(['hello from alice', 'hi alice']);
      expect(lines.some((line) => line.includes('AccessDenied'))).toBe(false);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});

describe('topicast local: the simple chat app without grantManageConnections', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startChat({ grantManageConnections: false }, lines);
  });
  afterAll(() => runtime?.end());

  it('denies the post as AWS does, and the runtime prints AccessDenied', async () => {
    const { url, apiId } = runtime.apis[0] as { url: string; apiId: string };
    const alice = await ChatClient.open(url);
    const bob = await ChatClient.open(url);
    try {
      alice.send({ action: 'sendmessage', data: 'hello?' });
      const denial = new RegExp(
        `AccessDenied: User: arn:aws:sts::000000000000:assumed-role/SimpleChat-SendMessageFunctionServiceRole\\w+/SimpleChat-SendMessageFunction\\w+ ` +
          `is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:000000000000:${apiId}/Prod/POST/@connections/`,
      );
      await expect.poll(() => lines.some((line) => denial.test(line)), { timeout: WAIT_MS }).toBe(true);
      // The function's own log says what the SDK raised, as CloudWatch would show it.
      await expect.poll(() => lines.some((line) => line.includes('ForbiddenException') && line.includes('not authorized')), { timeout: WAIT_MS }).toBe(true);
      await expect.poll(() => lines.some((line) => /^sendmessage \S+ 500 /.test(line)), { timeout: WAIT_MS }).toBe(true);
      expect(alice.received).toEqual([]);
      expect(bob.received).toEqual([]);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});

describe('topicast local: a compressed clock and invocations counted (the benches)', () => {
  const lines: string[] = [];
  const invocations: { logicalId: string; memoryMb: number; status: string; durationMs: number }[] = [];
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startChat({}, lines, {
      idleTimeoutMs: 1500,
      onInvocation: (fn, invocation, durationMs) => invocations.push({ logicalId: fn.logicalId, memoryMb: fn.memoryMb, status: invocation.status, durationMs }),
    });
  });
  afterAll(() => runtime?.end());

  it('closes an idle connection after the given idle timeout, and reports each function run with its template memory', async () => {
    const url = runtime.apis[0]?.url as string;
    const opened = Date.now();
    const ws = new WebSocket(url);
    const closed = new Promise<{ code: number; afterMs: number }>((resolve) => ws.once('close', (code) => resolve({ code, afterMs: Date.now() - opened })));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const { code, afterMs } = await closed;
    // API Gateway's "Going away" after the idle timeout, not after its 10 minutes.
    expect(code).toBe(1001);
    expect(afterMs).toBeGreaterThanOrEqual(1500);
    expect(afterMs).toBeLessThan(WAIT_MS);
    await expect.poll(() => invocations.map((entry) => entry.logicalId), { timeout: WAIT_MS }).toEqual([expect.stringMatching(/^OnConnectFunction/), expect.stringMatching(/^OnDisconnectFunction/)]);
    const memory = (logicalId: string) => runtime.app.functions.find((fn) => fn.logicalId === logicalId)?.memoryMb;
    for (const entry of invocations) {
      expect(entry).toMatchObject({ status: 'returned', memoryMb: memory(entry.logicalId) });
      expect(entry.durationMs).toBeGreaterThan(0);
    }
  });
});
