/**
 * `topicast check <ws url> [--publish-url URL]`: one command to verify a deployment (or
 * a local gateway, or LocalStack). It connects, joins a fresh topic, sees itself in
 * presence, pushes and receives its broadcast, and, given a publish URL, publishes from
 * the server side and receives that too. One PASS/FAIL line per step; after a failure the
 * remaining steps are skipped. Exit status 1 when a step failed.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { callPublishApi, describeRefusal, httpUrl, type PublishApiClients } from './publish-api-client.js';
import { UsageError } from './token.js';

export const CHECK_USAGE = `usage: topicast check <ws url> [--publish-url URL] [--token JWT] [--timeout MS]

Checks a topicast deployment end to end and prints one PASS/FAIL line per step:
connect, join, presence, push, publish (with --publish-url), leave.

  <ws url>            e.g. wss://abc.execute-api.eu-west-1.amazonaws.com/prod or ws://127.0.0.1:3001
  --publish-url URL   the publish API (the stack's PublishUrl output, signed with your AWS
                      credentials; or http://127.0.0.1:3001 locally)
  --token JWT         a token for deployments that require one (topicast token --stack NAME --sub check)
  --timeout MS        how long each step may take (default 10000)
`;

export interface CheckOptions {
  readonly url: string;
  readonly publishUrl: string | undefined;
  readonly token: string | undefined;
  readonly timeoutMs: number;
}

export function parseCheckArgs(args: readonly string[]): CheckOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [url, ...extra] = parsed.positionals;
  if (url === undefined || extra.length > 0) throw new UsageError('pass exactly one WebSocket URL, e.g. topicast check ws://127.0.0.1:3001');
  if (!/^wss?:\/\//.test(url)) throw new UsageError(`the URL must start with ws:// or wss://, got "${url}"`);
  const timeoutMs = Number(parsed.values.timeout ?? 10_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError('--timeout must be a positive number of milliseconds');
  return {
    url,
    publishUrl: parsed.values['publish-url'] === undefined ? undefined : httpUrl(parsed.values['publish-url'], '--publish-url'),
    token: parsed.values.token,
    timeoutMs,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: { 'publish-url': { type: 'string' }, token: { type: 'string' }, timeout: { type: 'string' } },
  });
}

interface Step {
  readonly name: string;
  readonly run: () => Promise<string | void>;
}

/** Runs the check, writing a line per step; resolves to true when every step passed. */
export async function runCheck(options: CheckOptions, clients: Pick<PublishApiClients, 'credentials'>, write: (line: string) => void): Promise<boolean> {
  const nonce = randomUUID().slice(0, 8);
  const topic = `topicast-check:${nonce}`;
  let socket: FrameSocket | undefined;
  const live = () => socket as FrameSocket;
  const steps: Step[] = [
    {
      name: 'connect',
      run: async () => {
        socket = await FrameSocket.open(withToken(options.url, options.token), options.timeoutMs);
      },
    },
    {
      name: 'join',
      run: async () => {
        live().send({ action: 'join', topic, payload: { meta: { check: nonce } }, ref: '1' });
        expectOk(await live().next((m) => m.event === 'phx_reply' && m.ref === '1', 'the join reply'));
        return topic;
      },
    },
    {
      name: 'presence',
      run: async () => {
        const state = await live().next((m) => m.event === 'presence_state' && m.topic === topic, 'presence_state');
        const present = Object.values(state.payload as Record<string, { metas: { check?: string }[] }>).some(({ metas }) => metas.some((meta) => meta.check === nonce));
        if (!present) throw new Error(`presence_state does not list this connection: ${JSON.stringify(state.payload)}`);
      },
    },
    {
      name: 'push',
      run: async () => {
        live().send({ action: 'push', topic, event: 'check_push', payload: { nonce }, ref: '2' });
        await live().next((m) => m.event === 'check_push' && m.payload?.nonce === nonce, 'the pushed broadcast');
        expectOk(await live().next((m) => m.event === 'phx_reply' && m.ref === '2', 'the push reply'));
      },
    },
    ...(options.publishUrl === undefined
      ? []
      : [
          {
            name: 'publish',
            run: async () => {
              const answer = await callPublishApi(options.publishUrl as string, '/publish', { topic, event: 'check_publish', payload: { nonce } }, clients);
              if (answer.status !== 200) throw new Error(describeRefusal(answer));
              await live().next((m) => m.event === 'check_publish' && m.payload?.nonce === nonce, 'the server publish');
              return `delivered ${String(answer.body.results?.[0]?.delivered)}`;
            },
          },
        ]),
    {
      name: 'leave',
      run: async () => {
        live().send({ action: 'leave', topic, ref: '3' });
        expectOk(await live().next((m) => m.event === 'phx_reply' && m.ref === '3', 'the leave reply'));
      },
    },
  ];

  let failed = false;
  try {
    for (const step of steps) {
      if (failed) {
        write(`SKIP ${step.name}`);
        continue;
      }
      const started = Date.now();
      try {
        const detail = await step.run();
        write(`PASS ${step.name} (${Date.now() - started} ms${detail ? `, ${detail}` : ''})`);
      } catch (error) {
        failed = true;
        write(`FAIL ${step.name}: ${(error as Error).message}`);
      }
    }
  } finally {
    socket?.close();
  }
  write(failed ? 'check failed' : `check passed: ${steps.length} steps`);
  return !failed;
}

function withToken(url: string, token: string | undefined): string {
  if (!token) return url;
  const parsed = new URL(url);
  parsed.searchParams.set('token', token);
  return parsed.toString();
}

function expectOk(reply: any): void {
  if (reply.payload?.status !== 'ok') throw new Error(`refused: ${JSON.stringify(reply.payload?.response)}`);
}

/** A native-protocol socket whose frames can be awaited, none missed. */
class FrameSocket {
  private readonly frames: any[] = [];
  private readonly waiters = new Set<() => void>();
  private closedWith: string | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly timeoutMs: number,
  ) {
    socket.on('message', (data) => {
      try {
        this.frames.push(JSON.parse(String(data)));
      } catch {
        return;
      }
      for (const wake of this.waiters) wake();
    });
    socket.on('close', (code, reason) => {
      this.closedWith = `the socket closed (${code} ${reason.toString()})`;
      for (const wake of this.waiters) wake();
    });
  }

  public static open(url: string, timeoutMs: number): Promise<FrameSocket> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`no handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(new FrameSocket(socket, timeoutMs));
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        socket.terminate();
        const hint = response.statusCode === 401 ? ' (a token is required: --token)' : '';
        reject(new Error(`the handshake was refused with HTTP ${response.statusCode}${hint}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  public send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame not yet taken that matches. */
  public next(predicate: (message: any) => boolean, what: string): Promise<any> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const index = this.frames.findIndex((frame) => {
          try {
            return predicate(frame);
          } catch {
            return false;
          }
        });
        if (index >= 0) {
          done();
          resolve(this.frames.splice(index, 1)[0]);
        } else if (this.closedWith) {
          done();
          reject(new Error(`${this.closedWith} before ${what} arrived`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} did not arrive within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(look);
      };
      this.waiters.add(look);
      look();
    });
  }

  public close(): void {
    this.socket.close(1000);
  }
}
