/**
 * What the benchmark's scenarios share: child processes, WebSocket clients of the local
 * gateway, bounded parallelism and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export function forkChild<T>(file: string, args: string[] = []): Promise<{ child: ChildProcess; ready: T }> {
  const child = fork(here(file), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ready: message as T }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${String(code)} before it was ready`)));
  });
}

export async function open(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return socket;
}

export function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));
}

export async function join(socket: WebSocket, topic: string, ref: string): Promise<void> {
  const reply = nextMessage(socket);
  socket.send(JSON.stringify({ action: 'join', topic, ref }));
  const text = await reply;
  if (!text.includes('"status":"ok"')) throw new Error(`join failed: ${text}`);
}

/** Runs `task` for every index with `limit` in flight. */
export async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await task(index);
      }
    }),
  );
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}
