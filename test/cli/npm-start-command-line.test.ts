/**
 * `npm start` as a user types it: mistakes on the command line get one message, the usage
 * line and exit status 2 (never a parseArgs stack); SIGTERM to npm ends the gateway; a
 * second gateway on a busy data dir is refused with the owner's pid and how to share; the
 * variables a backend outside the functions signs with are printed where to find.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ApiGatewayManagementApiClient, GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/template-gateway.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'topicast-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a user's shell: none of the npm_* variables of the `npm test` running this file. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function npmStart(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', ...args], { cwd: repoRoot, env: userEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start: command-line mistakes', () => {
  it.each([
    [['--', '--bogus'], 'topicast: unknown option --bogus'],
    [['--', '--port'], 'topicast: --port needs a value (--port N)'],
    [['--', 'room.ts'], 'topicast: unexpected argument "room.ts" (options start with --; npm start -- --help lists them)'],
    [['--channel', 'room.ts'], 'topicast: unexpected argument "room.ts": npm kept --channel for itself (npm reads the options before "--" as its own). Write: npm start -- --channel room.ts'],
  ])('npm start %j prints the message and the usage line, and exits 2', async (args, message) => {
    const run = await npmStart(args);

    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n');
    expect(lines).toContain(message);
    expect(lines[lines.indexOf(message) + 1]).toMatch(/^usage: npm start -- \[--port N\] .*\[--channel FILE \.\.\.\]/);
    expect(run.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  });
});

describe('npm start: ending and sharing', () => {
  it('ends the gateway when npm start gets SIGTERM', async () => {
    // Prepare
    const child = spawn('npm', ['start', '--', '--port', '0', '--quiet'], { cwd: repoRoot, env: userEnv() });
    // 'exit', not 'close': a gateway left running would hold npm's stdout open forever.
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on ws:\/\/(127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(`http://${match[1]}/`);
      });
      child.once('exit', () => reject(new Error(`npm start ended before listening: ${out}`)));
    });
    expect((await fetch(url)).status).toBe(200);

    // Act
    child.kill('SIGTERM');
    await exited;

    // Assess: nothing listens on its port any more (within the graceful stop).
    const deadline = Date.now() + 15_000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await fetch(url).then(
        async (response) => {
          await response.arrayBuffer();
          return false;
        },
        () => true,
      );
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(refused, `the gateway at ${url} still answers after SIGTERM`).toBe(true);
  });

  it('refuses a second gateway on a busy data dir, naming the process that holds it and how to share one store', async () => {
    // Prepare: a gateway in this process holds the data dir.
    const dataDir = join(work, 'store');
    const first = await startGateway({ dataDir });
    try {
      // Act
      const run = await npmStart(['--', '--port', '0', '--data-dir', dataDir]);

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`topicast: the data dir ${dataDir} is in use by a topicast local gateway ${first.url}, pid ${process.pid}`);
      expect(run.stderr).toContain(`npx topicast dynamodb --port 8000 --data-dir ${dataDir}`);
      expect(run.stderr).not.toContain('Database is closed');
    } finally {
      await first.end();
    }
  });

  it("prints the file of a backend's variables: its operator credentials sign Management API requests the gateway accepts", async () => {
    // Prepare
    const child = spawn('npm', ['start', '--', '--port', '0', '--quiet'], { cwd: repoRoot, env: userEnv() });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let printed: string | undefined;
    try {
      const { port, file } = await new Promise<{ port: string; file: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const port = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
          const file = /signs as the local operator: its variables are in (\S+)/.exec(out)?.[1];
          if (port && file) resolve({ port, file });
        });
        child.once('exit', () => reject(new Error(`npm start ended before printing the backend's variables: ${out}`)));
        setTimeout(() => reject(new Error(`npm start printed no backend variables within 90 s: ${out}`)), 90_000).unref();
      });
      printed = file;
      const variables: Record<string, string> = {};
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const match = /^([A-Z_]+)='(.*)'$/.exec(line);
        if (match) variables[match[1] as string] = match[2] as string;
      }
      const endpoint = `http://127.0.0.1:${port}/local`;
      const signed = new ApiGatewayManagementApiClient({
        endpoint,
        region: variables.AWS_REGION,
        credentials: { accessKeyId: variables.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: variables.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: variables.AWS_SESSION_TOKEN ?? '' },
        maxAttempts: 1,
      });

      // Act
      const answer = await signed.send(new GetConnectionCommand({ ConnectionId: 'NoSuchConnAAAA=' })).catch((error: unknown) => error as { name?: string; $metadata?: { httpStatusCode?: number } });
      const unsigned = await fetch(`${endpoint}/@connections/NoSuchConnAAAA%3D`);

      // Assess: the signed request reached the Management API (410: no such connection); the unsigned one was refused.
      expect(answer).toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
      expect(unsigned.status).toBe(403);
      expect(variables).toMatchObject({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, TOPICAST_TABLE_NAME: expect.any(String), TOPICAST_FANOUT_FUNCTION: expect.any(String) });
      expect(readFileSync(variables.NODE_EXTRA_CA_CERTS ?? '', 'utf8')).toContain('BEGIN CERTIFICATE');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    // It names this runtime's port: it goes with the runtime.
    expect(existsSync(printed ?? '')).toBe(false);
  }, 120_000);
});
