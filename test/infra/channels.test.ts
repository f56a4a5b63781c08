/**
 * The construct's `channels` prop: the same module files `npm start -- --channel` loads
 * are bundled (real esbuild, offline) into the functions that run channel code, and those
 * functions may touch only the table's kv# items beyond their usual grants.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_FUNCTIONS } from '../../lib/channel-entries.js';
import { RealtimeApi } from '../../lib/realtime-api.js';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import { startTestTable } from '../support/dynalite.js';
import { messageEvent } from '../support/gateway-events.js';
import { logicalIdOf, newApp, statementsOf, streamMappings } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
type FunctionName = (typeof CHANNEL_FUNCTIONS)[number] | '$connect' | 'ping';

let stack: TopicastStack;
let template: Template;
let assemblyDir: string;

beforeAll(() => {
  const app = newApp();
  stack = new TopicastStack(app, 'Channels', { realtime: { channels: ['examples/chat/room.ts', 'examples/chat/inbox.ts'] } });
  template = Template.fromStack(stack);
  assemblyDir = app.synth().directory;
});

const fn = (name: FunctionName) =>
  name === 'fanout-worker'
    ? stack.realtime.fanoutWorker
    : name === 'presence'
      ? (stack.realtime.presenceFunctions[0] as NodejsFunction)
      : name === 'publish'
        ? stack.realtime.publishFunction
        : stack.realtime.functions[name];
const bundleOf = (name: FunctionName) => {
  const resources = template.toJSON().Resources as Resources;
  const key = resources[logicalIdOf(fn(name))]!.Properties.Code.S3Key as string;
  return readFileSync(join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
};
const kvStatements = (name: FunctionName) =>
  statementsOf(template, fn(name))
    .statements.filter((s) => JSON.stringify(s.conditions ?? {}).includes('"kv#*"'))
    .map((s) => ({ ...s, actions: [...s.actions].sort() }));

describe('RealtimeApi channels prop', () => {
  it('bundles the modules into every function that runs channel code, installed before the handler', () => {
    for (const name of CHANNEL_FUNCTIONS) {
      const code = bundleOf(name);
      // Strings only the example modules contain, and the source names they are logged under.
      expect(code, name).toContain('chat:history:');
      expect(code, name).toContain('message_too_long');
      expect(code, name).toContain('chat:inbox:');
      expect(code, name).toContain('examples/chat/room.ts');
      expect(code, name).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/);
    }
  });

  it('runs them: the bundled join function, loaded as Lambda loads it, answers with the module', async () => {
    // Prepare: a table with one connection, and the bundle imported in a fresh Node process.
    const table = await startTestTable();
    const dir = mkdtempSync(join(tmpdir(), 'topicast-bundle-probe-'));
    try {
      const nowSeconds = Math.floor(Date.now() / 1000);
      await new DynamoRealtimeStore(table.documentClient, table.tableName).putConnection({
        connectionId: 'bundled',
        endpoint: 'http://127.0.0.1:9/unused',
        identity: null,
        format: 'native',
        connectedAt: Date.now(),
        expiresAt: nowSeconds + 600,
      });
      const probe = join(dir, 'probe.mjs');
      writeFileSync(probe, `const { handler } = await import(process.argv[2]); process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[3]))));`);
      const event = messageEvent('bundled', JSON.stringify({ action: 'join', topic: 'room:bundled', payload: {}, ref: '1' }));
      const bundle = join(assemblyDir, `asset.${(template.toJSON().Resources as Resources)[logicalIdOf(fn('join'))]!.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');

      // Act
      const { stdout } = await promisify(execFile)(process.execPath, [probe, bundle, JSON.stringify(event)], {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_LAMBDA_FUNCTION_NAME: 'topicast-join',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          TABLE_NAME: table.tableName,
          DYNAMODB_ENDPOINT: table.endpoint,
          TOPICAST_CONFIG: JSON.stringify({ auth: 'optional' }),
        },
      });

      // Assess: examples/chat/room.ts refuses a join without a name.
      // The function's own log and EMF metric lines come first; the probe prints the result last.
      const response = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { statusCode: number; body: string };
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ topic: 'room:bundled', ref: '1', payload: { status: 'error', response: { reason: 'name_required' } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await table.stop();
    }
  });

  it('leaves them out of $connect and ping, which run no channel code', () => {
    for (const name of ['$connect', 'ping'] as const) expect(bundleOf(name), name).not.toContain('chat:history:');
  });

  it('lets exactly those functions read and write kv# items, and nothing else of the table through that grant', () => {
    for (const name of CHANNEL_FUNCTIONS) {
      expect(kvStatements(name), name).toEqual([
        {
          effect: 'Allow',
          actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [{ 'Fn::GetAtt': [logicalIdOf(stack.realtime.table), 'Arn'] }],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['kv#*'] } },
        },
      ]);
    }
    for (const name of ['$connect', 'ping'] as const) expect(kvStatements(name), name).toEqual([]);
  });
  it("passes connection rows TTL deleted to the default window's presence reader only, for their modules' leave", () => {
    // Assess: the mappings' filters, as Lambda applies them
    const mappings = streamMappings(template) as { Properties: { FunctionName: unknown; FilterCriteria?: { Filters: { Pattern: string }[] } } }[];
    const expiredRowFilters = mappings.map((m) => (m.Properties.FilterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as Record<string, any>).filter((p) => p.dynamodb?.Keys?.sk?.S?.[0]?.prefix === 's#'));
    expect(expiredRowFilters.flat()).toEqual([
      {
        eventName: ['REMOVE'],
        userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
        dynamodb: { Keys: { pk: { S: [{ prefix: 'c#' }] }, sk: { S: [{ prefix: 's#' }] } } },
      },
    ]);
    const reader = mappings.find((_, index) => (expiredRowFilters[index] ?? []).length > 0);
    expect(JSON.stringify(reader?.Properties.FunctionName)).toContain(logicalIdOf(stack.realtime.presenceFunctions[0] as NodejsFunction));
  });
});

describe('RealtimeApi without channels', () => {
  it('grants no kv# access and bundles the handler files as they are', () => {
    // Prepare
    const plain = new Stack(newApp({ bundling: false }), 'Plain');
    const api = new RealtimeApi(plain, 'Api');

    // Act
    const plainTemplate = Template.fromStack(plain);

    // Assess
    const statements = statementsOf(plainTemplate, api.functions.join).statements;
    expect(statements.some((s) => JSON.stringify(s.conditions ?? {}).includes('kv#'))).toBe(false);
  });

  it('refuses at synth, all at once, module paths that do not exist, are listed twice or are not scripts', () => {
    // Act & Assess
    expect(() => new RealtimeApi(new Stack(newApp({ bundling: false }), 'Bad'), 'Api', { channels: ['missing/room.ts', 'README.md', 'examples/chat/room.ts', 'examples/chat/room.ts'] })).toThrow(
      /channel module missing\/room\.ts does not exist[\s\S]*channel module README\.md must be a \.ts, \.mts, \.js, \.mjs file[\s\S]*channel module examples\/chat\/room\.ts is listed twice/,
    );
  });
});
