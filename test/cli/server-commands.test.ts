/**
 * `topicast publish`, `presence`, `disconnect` and `check` against a real local gateway:
 * with `--url` (unsigned) and with `--stack` (the PublishUrl output read from a stand-in
 * CloudFormation), the errors a user meets (no region, no output, refusals), and the bin
 * run as users run it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { packageBin } from '../support/package-bin.js';
import type { PublishApiClients } from '../../cli/publish-api-client.js';
import { jwtFor } from '../security/tokens.js';
import { connectionIdOf, uniqueTopic } from '../support/local-gateway.js';
import { startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { closeAll, openClient, type WsClient } from '../support/ws-client.js';

const SECRET = 'cli-server-commands-secret';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
let gateway: RunningGateway;
let httpUrl: string;
const clients: WsClient[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ env: { TOPICAST_TOKEN_SECRET: SECRET } });
  httpUrl = `http://127.0.0.1:${gateway.port}`;
});

afterEach(async () => {
  await closeAll(clients.splice(0));
});

afterAll(async () => {
  await gateway?.end();
});

/** Stands in for CloudFormation (the stack's outputs) and the credential chain; records the regions asked. */
function fakeAws(outputs: { OutputKey: string; OutputValue: string }[]): PublishApiClients & { regions: (string | undefined)[] } {
  const regions: (string | undefined)[] = [];
  return {
    regions,
    cloudFormation: (region) => ({
      send: (async () => {
        regions.push(region);
        return { Stacks: [{ StackName: 'Topicast', Outputs: outputs }] };
      }) as never,
    }),
    credentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  };
}

function capture(env: Record<string, string | undefined> = {}, publishClients?: PublishApiClients): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (text) => (out += text), err: (text) => (err += text), env, ...(publishClients ? { publishClients } : {}), stdout: () => out, stderr: () => err };
}

async function connect(sub?: string): Promise<{ client: WsClient; id: string }> {
  const client = await openClient(gateway.url, { path: sub ? `/?token=${await jwtFor(SECRET, { sub })}` : '' });
  clients.push(client);
  return { client, id: connectionIdOf(gateway, client) };
}

describe('topicast publish / presence / disconnect --url', () => {
  it('publish delivers to the topic and prints the result', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);
    const io = capture();

    // Act
    const status = await main(['publish', '--topic', topic, '--event', 'shout', '--payload', '{"body":"hi"}', '--url', httpUrl], io);

    // Assess
    expect(io.stderr()).toBe('');
    expect(status).toBe(0);
    expect(io.stdout()).toBe(`${topic}: delivered 1, gone 0, failed 0\n`);
    expect(await client.nextEvent('shout')).toEqual({ topic, event: 'shout', payload: { body: 'hi' } });
  });

  it('presence prints each key and its metas', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect('alice');
    await client.join(topic, { meta: { device: 'phone' } });
    const io = capture();

    // Act
    const status = await main(['presence', '--topic', topic, '--url', httpUrl], io);

    // Assess
    expect(status).toBe(0);
    expect(io.stdout()).toMatch(/^alice\n {2}\{"device":"phone","phx_ref":"[0-9a-f]+"\}\n$/);
    const empty = capture();
    await main(['presence', '--topic', uniqueTopic(), '--url', httpUrl], empty);
    expect(empty.stdout()).toMatch(/^nobody is present on /);
  });

  it('disconnect --connection takes an id that begins with a dash (base64url ids can)', async () => {
    // Act: parseArgs alone refuses "-…" after an option as ambiguous (exit 2)
    const out = capture();
    const status = await main(['disconnect', '--connection', '-AbCdEfGhIjK=', '--url', httpUrl], out);

    // Assess: the id reached the gateway, which no longer knows it
    expect({ status, stdout: out.stdout(), stderr: out.stderr() }).toEqual({ status: 0, stdout: 'closed 0, already gone 1\n', stderr: '' });
  });

  it('disconnect --connection and --user close the sockets', async () => {
    // Prepare
    const one = await connect();
    const bobs = [await connect('bob'), await connect('bob')];

    // Act
    const byConnection = capture();
    const byUser = capture();
    const byConnectionStatus = await main(['disconnect', '--connection', one.id, '--url', httpUrl], byConnection);
    const byUserStatus = await main(['disconnect', '--user', 'bob', '--url', httpUrl], byUser);

    // Assess (status and stderr beside stdout, so a failure says why the CLI printed nothing)
    expect({ status: byConnectionStatus, stdout: byConnection.stdout(), stderr: byConnection.stderr() }).toEqual({ status: 0, stdout: 'closed 1, already gone 0\n', stderr: '' });
    expect({ status: byUserStatus, stdout: byUser.stdout(), stderr: byUser.stderr() }).toEqual({ status: 0, stdout: 'closed 2, already gone 0\n', stderr: '' });
    for (const { client } of [one, ...bobs]) expect((await client.closed).code).toBe(1000);
  });

  it('a refused request exits 1 with the reason', async () => {
    const io = capture();
    expect(await main(['publish', '--topic', 'room:x', '--event', 'phx_join', '--url', httpUrl], io)).toBe(1);
    expect(io.stderr()).toMatch(/^topicast publish: reserved_event: /);
  });

  it.each([
    [['publish', '--topic', 't', '--event', 'e'], /pass --url .* or --stack NAME/],
    [['publish', '--topic', 't', '--event', 'e', '--url', 'http://x', '--stack', 'S'], /pass --url .* or --stack NAME/],
    [['publish', '--event', 'e', '--url', 'http://x'], /--topic is required/],
    [['publish', '--topic', 't', '--event', 'e', '--payload', '{nope', '--url', 'http://x'], /--payload must be JSON/],
    [['publish', '--topic', 't', '--event', 'e', '--url', 'ftp://x'], /--url must be an http/],
    [['disconnect', '--url', 'http://x'], /either --connection ID or --user SUB/],
    [['presence', '--topic', 't', '--url', 'http://x', '--region', 'eu-west-1'], /--region only applies with --stack/],
    [['check'], /exactly one WebSocket URL/],
    [['check', 'http://x'], /must start with ws:\/\/ or wss:\/\//],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const io = capture();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr()).toMatch(message);
  });
});

describe('--stack', () => {
  it('publishes to the stack PublishUrl output, in the given region', async () => {
    // Prepare
    const topic = uniqueTopic();
    const { client } = await connect();
    await client.join(topic);
    const aws = fakeAws([{ OutputKey: 'PublishUrl', OutputValue: `${httpUrl}/` }]);
    const io = capture({}, aws);

    // Act
    const status = await main(['publish', '--topic', topic, '--event', 'deployed', '--stack', 'Topicast', '--region', 'eu-west-1'], io);

    // Assess
    expect(io.stderr()).toBe('');
    expect(status).toBe(0);
    expect(aws.regions).toEqual(['eu-west-1']);
    await client.nextEvent('deployed');
  });

  it('says what to do when the region is missing or the stack has no PublishUrl', async () => {
    const noRegion = capture({}, fakeAws([]));
    expect(await main(['publish', '--topic', 't', '--event', 'e', '--stack', 'Topicast'], noRegion)).toBe(1);
    expect(noRegion.stderr()).toMatch(/no AWS region: pass --region .* or set AWS_REGION/);

    const noOutput = capture({ AWS_REGION: 'eu-west-1' }, fakeAws([{ OutputKey: 'WebSocketUrl', OutputValue: 'wss://x' }]));
    expect(await main(['publish', '--topic', 't', '--event', 'e', '--stack', 'Topicast'], noOutput)).toBe(1);
    expect(noOutput.stderr()).toMatch(/stack Topicast has no PublishUrl output/);
  });

  it('says what to do when there are no AWS credentials', async () => {
    const aws = fakeAws([{ OutputKey: 'PublishUrl', OutputValue: 'https://abc.lambda-url.eu-west-1.on.aws/' }]);
    const noCredentials: PublishApiClients = {
      ...aws,
      credentials: () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })),
    };
    const io = capture({ AWS_REGION: 'eu-west-1' }, noCredentials);
    expect(await main(['publish', '--topic', 't', '--event', 'e', '--stack', 'Topicast'], io)).toBe(1);
    expect(io.stderr()).toMatch(/no AWS credentials .* aws configure or AWS_PROFILE/);
  });
});

describe('topicast check', () => {
  it('passes every step against the local gateway, the server publish included', async () => {
    const io = capture();
    const status = await main(['check', gateway.url, '--publish-url', httpUrl], io);
    expect(io.stdout().split('\n').filter(Boolean).map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'PASS connect',
      'PASS join',
      'PASS presence',
      'PASS push',
      'PASS publish',
      'PASS leave',
      'check passed:',
    ]);
    expect(status).toBe(0);
  });

  it('fails (exit 1) and skips the rest when a step fails', async () => {
    // Prepare: a gateway that requires tokens refuses the check's anonymous connect.
    const strict = await startTestGateway({ config: { auth: 'required' }, env: { TOPICAST_TOKEN_SECRET: SECRET } });
    try {
      const io = capture();
      const status = await main(['check', strict.url, '--timeout', '3000'], io);
      expect(status).toBe(1);
      expect(io.stdout()).toMatch(/^FAIL connect: the handshake was refused with HTTP 401 \(a token is required: --token\)\nSKIP join\n/);
      expect(io.stdout()).toMatch(/check failed\n$/);

      const withToken = capture();
      expect(await main(['check', strict.url, '--token', await jwtFor(SECRET, { sub: 'checker' })], withToken)).toBe(0);
    } finally {
      await strict.end();
    }
  });

  it('runs as `topicast check` (package.json\'s bin, executed as npm links it)', async () => {
    const { stdout } = await run(packageBin, ['check', gateway.url, '--publish-url', httpUrl], { cwd: repoRoot, timeout: 30_000 });
    expect(stdout).toMatch(/PASS publish .*\n.*PASS leave.*\ncheck passed: 6 steps\n$/);
  });
});
