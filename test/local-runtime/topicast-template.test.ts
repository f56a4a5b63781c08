/**
 * topicast's own stack, synthesized as `topicast local` synthesizes it (the runtime bundles
 * every function with the options a deployment bundles them with) and run by
 * the local runtime: what passes here ran the template's routes, environment and IAM. A
 * second copy of the stack loses one grant from lib/'s policies (the push function's
 * execute-api:ManageConnections): its broadcast is then denied as AWS would deny it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_FRAME, HEARTBEAT_REPLY } from '../../lambdas/core/protocol/heartbeat-route.js';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { LOCAL_BUNDLING_CONTEXT } from '../../local-runtime/assembly/local-bundling.js';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';
import { cdkJsonContext } from '../infra/helpers.js';
import { jwtFor } from '../security/tokens.js';
import { connect, connectOk } from '../security/ws-client.js';
import { noDiffOnItsWay, waitForGraceTimer } from '../support/grace-queue.js';

const TOKEN_SECRET = 'local-token-secret';

// A first invocation starts the function's process and loads its bundle: slow on a busy machine.
const COLD_START_MS = 30_000;
const GRACE_MS = 4000;
// The grace timer counts whole seconds (SQS DelaySeconds), the presence window adds its own, and so does a loaded machine.
const GRACE_SLACK_MS = 8000;

interface PolicyStatementJson {
  readonly Action: string | string[];
}

/** Removes every statement granting `action` from a function's role (what a mistake in lib/ would leave out). */
function withoutGrant(stack: TopicastStack, action: string): void {
  const role = stack.realtime.functions.push.role as iam.Role;
  const policy = role.node.findChild('DefaultPolicy') as iam.Policy;
  const document = Stack.of(stack).resolve(policy.document) as { Statement: PolicyStatementJson[] };
  const kept = document.Statement.filter((statement) => ![statement.Action].flat().includes(action));
  expect(kept.length).toBe(document.Statement.length - 1);
  (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument.Statement', kept);
}

describe('topicast local on topicast’s own template', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;

  // The Pusher webhook receiver: refuses (500) the webhooks of topics named `room:refused-...`.
  const webhooks: { key: string | undefined; signature: string | undefined; body: { events: { name: string; channel: string }[] } }[] = [];
  let receiver: Server;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const parsed = JSON.parse(body) as (typeof webhooks)[number]['body'];
        webhooks.push({ key: request.headers['x-pusher-key'] as string | undefined, signature: request.headers['x-pusher-signature'] as string | undefined, body: parsed });
        response.writeHead(parsed.events.some((event) => event.channel.startsWith('room:refused-')) ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/pusher/webhooks`;
    const outdir = mkdtempSync(join(tmpdir(), 'topicast-own-assembly-'));
    // As `topicast local` synthesizes: the runtime bundles every function in one esbuild build.
    const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true, [LOCAL_BUNDLING_CONTEXT]: true } });
    // A 4 s presence grace (15 s by default): the grace test waits it out.
    new TopicastStack(app, 'Topicast', { realtime: { auth: 'none', presence: { graceMs: GRACE_MS } } });
    withoutGrant(new TopicastStack(app, 'TopicastNoPost', { realtime: { auth: 'none' } }), 'execute-api:ManageConnections');
    new TopicastStack(app, 'TopicastAuth', { realtime: { auth: 'required' } });
    // Webhooks: lifecycle events on the stack's bus, EventBridge rules to the webhook function; no retry, so a refused one is dead-lettered at once.
    new TopicastStack(app, 'TopicastPusher', { realtime: { auth: 'none', pusher: { appId: 'local-app', key: 'local-key', webhooks: { url: webhookUrl, retryAttempts: 0 } } } });
    app.synth();
    runtime = await startLocalRuntime({
      assemblyDir: outdir,
      port: 0,
      // Not quiet: the functions' lines (kept here, not printed) explain a failure, e.g. an early leave.
      quiet: false,
      write: (line) => lines.push(line),
      // What TOPICAST_TOKEN_SECRET is to `npm start`: the value of the construct's token secret.
      secretValues: { [`TopicastAuth/Realtime/TokenSecret/Resource`]: TOKEN_SECRET },
    });
  });
  afterAll(async () => {
    await runtime?.end();
    receiver?.close();
  });

  const urlOf = (stackName: string) => {
    const index = runtime.app.apis.findIndex((api) => api.stackName === stackName);
    return `${runtime.apis[index]?.url ?? ''}/prod`;
  };

  it('serves every route of the template: join is answered, a push is broadcast to the topic', async () => {
    const alice = await connectOk(urlOf('Topicast'));
    const bob = await connectOk(urlOf('Topicast'));
    try {
      expect(await alice.join('room:lobby')).toMatchObject({ status: 'ok' });
      expect(await bob.join('room:lobby')).toMatchObject({ status: 'ok' });
      // Announced by the presence function, from the table's stream through its event source
      // mapping: both joins (coalesced into one diff when they fall in one window, or two).
      const joined = new Set<string>();
      while (joined.size < 2) {
        const diff = await alice.take((frame) => frame.event === 'presence_diff', 'the presence diffs of both joins', COLD_START_MS);
        for (const key of Object.keys((diff.payload as { joins?: object }).joins ?? {})) joined.add(key);
      }
      expect(joined.size).toBe(2);
      alice.send({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { text: 'hi' }, ref: '9' });
      const heard = await bob.take((frame) => frame.event === 'shout', 'the broadcast', COLD_START_MS);
      expect(heard.payload).toEqual({ text: 'hi' });
      expect(lines.filter((line) => line.startsWith('AccessDenied'))).toEqual([]);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('verifies tokens with the token secret read from Secrets Manager by the connect function, as deployed', async () => {
    const refused = await connect(urlOf('TopicastAuth'));
    expect(refused.ok ? 'connected' : refused.status).toBe(401);
    const alice = await connectOk(urlOf('TopicastAuth'), { token: await jwtFor(TOKEN_SECRET, { sub: 'alice' }) });
    try {
      expect(await alice.join('user:alice')).toMatchObject({ status: 'ok' });
    } finally {
      await alice.close();
    }
    const forged = await connect(urlOf('TopicastAuth'), { token: await jwtFor('another-secret', { sub: 'alice' }) });
    expect(forged.ok ? 'connected' : forged.status).toBe(401);
    expect(lines.filter((line) => line.startsWith('AccessDenied'))).toEqual([]);
  });

  it('bundles no IAM evaluator into a function: @cloud-copilot/iam-simulate (AGPL) serves the local tool only', () => {
    const functions = runtime.app.functions.filter((fn) => fn.stackName === 'Topicast');
    expect(functions.length).toBeGreaterThan(5);
    for (const fn of functions) {
      const files = readdirSync(fn.codeDir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.m?js$/.test(file));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(readFileSync(join(fn.codeDir, file), 'utf8')).not.toContain('@cloud-copilot');
    }
  });

  it('answers the heartbeat route from its MOCK integration, as API Gateway does, with no function', async () => {
    expect(lines.filter((line) => line.includes('is not served'))).toEqual([]);
    const alice = await connectOk(urlOf('Topicast'));
    try {
      alice.send(HEARTBEAT_FRAME);
      const reply = await alice.take((frame) => frame.event === 'phx_reply', 'the heartbeat reply', 5000);
      expect(reply.raw).toBe(HEARTBEAT_REPLY);
    } finally {
      await alice.close();
    }
  });

  it('fails the broadcast with AccessDenied when lib/ leaves out the push function’s ManageConnections grant', async () => {
    const alice = await connectOk(urlOf('TopicastNoPost'));
    const bob = await connectOk(urlOf('TopicastNoPost'));
    try {
      expect(await alice.join('room:lobby')).toMatchObject({ status: 'ok' });
      expect(await bob.join('room:lobby')).toMatchObject({ status: 'ok' });
      alice.send({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { text: 'hi' }, ref: '9' });
      await expect
        .poll(() => lines.some((line) => /^AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/TopicastNoPost-RealtimePush\w*\/TopicastNoPost-RealtimePush\w* is not authorized to perform: execute-api:ManageConnections/.test(line)), {
          timeout: 30_000,
        })
        .toBe(true);
      await expect(bob.take((frame) => frame.event === 'shout', 'the broadcast', 3000)).rejects.toThrow();
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  describe('presence across a reconnect: $disconnect’s grace timer on the template’s SQS queue, read by the grace function’s event source mapping', () => {
    const secret = () => randomBytes(16).toString('base64url');
    type Diff = { joins: Record<string, unknown>; leaves: Record<string, unknown> };
    const diffOf = (frame: { payload: unknown }) => frame.payload as Diff;
    /** Takes the presence_diffs of both joins (one coalesced diff or two). */
    const bothJoined = async (watcher: Awaited<ReturnType<typeof connectOk>>) => {
      const joined = new Set<string>();
      while (joined.size < 2) {
        const diff = await watcher.take((frame) => frame.event === 'presence_diff', 'the presence diffs of both joins', COLD_START_MS);
        for (const key of Object.keys(diffOf(diff).joins)) joined.add(key);
      }
    };

    it('sends no presence_diff for a member that reconnects within the grace period', async () => {
      const topic = `room:grace-${secret().slice(0, 8)}`;
      const watcher = await connectOk(urlOf('Topicast'));
      const member = secret();
      let flapping = await connectOk(urlOf('Topicast'));
      try {
        expect(await watcher.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
        expect(await flapping.join(topic, { member })).toMatchObject({ status: 'ok' });
        await bothJoined(watcher);
        await noDiffOnItsWay(runtime);
        // A dropped connection (1006, no close frame) and a rejoin with the same member secret on a new one.
        const terminatedAt = Date.now();
        flapping.ws.terminate();
        await waitForGraceTimer(runtime, terminatedAt, COLD_START_MS, 'Topicast-');
        flapping = await connectOk(urlOf('Topicast'));
        expect(await flapping.join(topic, { member })).toMatchObject({ status: 'ok' });
        // Past the grace period: the grace function released nothing the rejoin took over.
        await expect(watcher.take((frame) => frame.event === 'presence_diff', 'no presence_diff', GRACE_MS + GRACE_SLACK_MS)).rejects.toThrow(/no no presence_diff within/);
        expect(lines.filter((line) => /AccessDenied/.test(line) && /Topicast-/.test(line))).toEqual([]);
      } finally {
        await Promise.all([watcher.close(), flapping.close()]);
      }
    }, 90_000);

    it('announces the leave of a member that does not come back, after the grace period', async () => {
      const topic = `room:grace-${secret().slice(0, 8)}`;
      const watcher = await connectOk(urlOf('Topicast'));
      const gone = await connectOk(urlOf('Topicast'));
      try {
        expect(await watcher.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
        expect(await gone.join(topic, { member: secret() })).toMatchObject({ status: 'ok' });
        await bothJoined(watcher);
        await noDiffOnItsWay(runtime);
        const dropped = Date.now();
        gone.ws.terminate();
        const leave = await watcher.take((frame) => frame.event === 'presence_diff', 'the leave after the grace period', GRACE_MS + GRACE_SLACK_MS + COLD_START_MS);
        expect(diffOf(leave).joins).toEqual({});
        expect(Object.keys(diffOf(leave).leaves)).toHaveLength(1);
        // An early leave means $disconnect could not set its grace timer: its lines say why.
        expect(Date.now() - dropped, lines.filter((line) => /grace|ERROR|WARN|Disconnect/i.test(line)).slice(-40).join('\n')).toBeGreaterThanOrEqual(GRACE_MS);
      } finally {
        await watcher.close();
      }
    }, 90_000);
  });

  describe('Pusher webhooks: lifecycle events to the stack’s bus, its EventBridge rules, the webhook function, its dead-letter queue', () => {
    it('posts channel_occupied and channel_vacated for a topic, signed with the app key, from the rule’s asynchronous invoke', async () => {
      const topic = `room:hooks-${randomBytes(6).toString('hex')}`;
      const client = await connectOk(urlOf('TopicastPusher'));
      expect(await client.join(topic)).toMatchObject({ status: 'ok' });
      const named = (name: string) => webhooks.filter((hook) => hook.body.events.some((event) => event.name === name && event.channel === topic));
      await expect.poll(() => named('channel_occupied').length, { timeout: COLD_START_MS * 2 }).toBe(1);
      expect(named('channel_occupied')[0]).toMatchObject({ key: 'local-key', signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
      await client.close();
      await expect.poll(() => named('channel_vacated').length, { timeout: COLD_START_MS * 2 }).toBe(1);
    }, 120_000);

    it('sends the invocation record of a webhook the receiver refused to the dead-letter queue (the async invoke’s on-failure destination)', async () => {
      const topic = `room:refused-${randomBytes(6).toString('hex')}`;
      const client = await connectOk(urlOf('TopicastPusher'));
      try {
        expect(await client.join(topic)).toMatchObject({ status: 'ok' });
        const failures = runtime.app.queues.find((queue) => queue.queueName.startsWith('TopicastPusher-RealtimePusherWebhookFailures'));
        const records = () => (runtime.queues.queue(failures?.arn ?? '')?.peek() ?? []).map((message) => JSON.parse(message.body) as { requestContext: { condition: string }; requestPayload: { detail: { topic: string } } });
        await expect.poll(() => records().filter((record) => record.requestPayload.detail.topic === topic).length, { timeout: COLD_START_MS * 2 }).toBe(1);
        expect(records().find((record) => record.requestPayload.detail.topic === topic)?.requestContext.condition).toBe('RetriesExhausted');
      } finally {
        await client.close();
      }
    }, 120_000);
  });
});
