/**
 * topicast as a user gets it: `npm pack`, then the tarball installed into a fresh CDK app
 * (no topicast lock file, nothing from this checkout) that defines a RealtimeApi plus its
 * own Lambda publishing through `topicast/server` with `bindPublisher`, type-checked
 * against the published .d.ts files and synthesized offline with real esbuild bundling.
 * Then the same from a folder (`npm install /path/to/topicast`, a link to this checkout
 * whose `prepare` built dist/), as a user without a registry would install it.
 *
 * The install uses the npm cache first (`--prefer-offline`); the registry is only asked
 * for package metadata the cache lacks.
 */
import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
let work: string;
let app: string;
let tarball: string;
let packedFiles: string[];
let folderApp: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'topicast-pack-'));
  // `npm pack` runs `prepare` (npm run build: JS and .d.ts into dist/), as a git or folder install does.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 });
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, report!.filename);
  packedFiles = report!.files.map((file) => file.path);

  app = join(work, 'my-app');
  await run('mkdir', [app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'my-app', private: true, type: 'module', dependencies: { topicast: `file:${tarball}`, 'aws-cdk-lib': '^2.276.0', constructs: '^10.8.1' } }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeout: 240_000 });

  // The folder install: dist/ is there already (`npm pack` ran `prepare`).
  folderApp = join(work, 'folder-app');
  await run('mkdir', [folderApp]);
  writeFileSync(
    join(folderApp, 'package.json'),
    JSON.stringify({ name: 'folder-app', private: true, type: 'module', dependencies: { 'aws-cdk-lib': '^2.276.0', constructs: '^10.8.1' } }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', repoRoot], { cwd: folderApp, timeout: 240_000 });
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the build, the bin and the docs, and no sources, tests or lock file', () => {
    const size = statSync(tarball).size;
    console.info(`packed tarball: ${(size / 1024).toFixed(1)} KiB, ${packedFiles.length} files`);
    for (const file of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/server/index.js', 'dist/server/index.d.ts', 'dist/client/phoenix-transport.js', 'dist/client/index.js', 'dist/channel/index.js', 'dist/channel/index.d.ts', 'dist/lambdas/handlers/publish.js', 'cli/topicast.mjs', 'README.md', 'package.json']) {
      expect(packedFiles, file).toContain(file);
    }
    expect(packedFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(packedFiles.filter((file) => /^(test|bench|local-gateway|bin)\//.test(file) || file === 'package-lock.json')).toEqual([]);
    // The docs' screenshots are for GitHub readers, not for an installed package.
    expect(packedFiles.filter((file) => file.endsWith('.png'))).toEqual([]);
    expect(packedFiles).toContain('docs/operations.md');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'topicast', 'package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['./cdk', './server', './client', './channel']));
    expect(manifest.peerDependencies).toMatchObject({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
  });
});

describe('a fresh CDK app with the tarball installed', () => {
  it('type-checks against topicast/cdk, topicast/server, topicast/client and topicast/channel', async () => {
    writeFileSync(
      join(app, 'check-types.ts'),
      `import { App, Stack } from 'aws-cdk-lib';
import { RealtimeApi, type RealtimeApiProps } from 'topicast/cdk';
import { publish, publishBatch, disconnectUser, presence, occupancy, TopicastServer, type PublishResult } from 'topicast/server';
import { apiGatewayTransport } from 'topicast/client';
import { defineChannel } from 'topicast/channel';
const room = defineChannel({ topic: 'room:*', async join() { return { ok: {} }; } });
void room;
const props: RealtimeApiProps = { auth: 'required', presenceDisabled: ['broadcast:*'] };
const api: RealtimeApi = new RealtimeApi(new Stack(new App(), 'S'), 'R', props);
const url: string = api.publishUrl;
const results: Promise<PublishResult> = publish('user:alice', 'order_shipped', { orderId: 42 });
void publishBatch([{ topic: 'room:a', event: 'e', payload: {} }]);
void disconnectUser('alice'); void presence('room:a'); void occupancy('room:a');
void new TopicastServer({ tableName: 't', region: 'eu-west-1' });
void apiGatewayTransport; void url; void results;
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['check-types.ts'] }),
    );
    await expect(run('node', [tsc, '-p', 'tsconfig.json'], { cwd: app, timeout: 120_000 })).resolves.toBeDefined();
  });

  it('synthesizes a RealtimeApi and its own publishing Lambda offline, bundling every function from node_modules', async () => {
    // Prepare
    writeFileSync(join(app, 'notifier.mjs'), "import { publish } from 'topicast/server';\nexport const handler = async (event) => publish(`user:${event.sub}`, 'order_shipped', { orderId: event.orderId });\n");
    writeFileSync(
      join(app, 'app.mjs'),
      `import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { RealtimeApi } from 'topicast/cdk';
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'MyApp');
const realtime = new RealtimeApi(stack, 'Realtime');
const notifier = new nodejs.NodejsFunction(stack, 'Notifier', { entry: 'notifier.mjs', runtime: lambda.Runtime.NODEJS_22_X, bundling: { format: nodejs.OutputFormat.ESM } });
realtime.bindPublisher(notifier);
app.synth();
`,
    );

    // Act
    await run('node', ['app.mjs'], { cwd: app, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });

    // Assess
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'MyApp.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any }> };
    const resources = Object.entries(template.Resources);
    const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    // 7 routes, the fan-out worker, publish, the presence stream reader, the presence grace timer, and the app's own Notifier.
    expect(functions).toHaveLength(12);
    expect(resources.find(([, r]) => r.Type === 'AWS::Lambda::Url')?.[1].Properties.AuthType).toBe('AWS_IAM');
    const [notifierId, notifier] = functions.find(([id]) => id.startsWith('Notifier'))!;
    expect(Object.keys(notifier.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['TOPICAST_TABLE_NAME', 'TOPICAST_CONFIG', 'TOPICAST_FANOUT_FUNCTION']));
    const notifierPolicy = resources.find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('NotifierServiceRoleDefaultPolicy'))?.[1];
    expect(JSON.stringify(notifierPolicy)).toContain('execute-api:ManageConnections');
    expect(notifierId).toBeDefined();
    // Every function's code is a real bundle from node_modules/topicast/dist.
    const bundles = readdirSync(join(app, 'cdk.out')).filter((entry) => entry.startsWith('asset.'));
    expect(bundles.length).toBeGreaterThanOrEqual(10);
    const publishBundle = bundles.map((entry) => join(app, 'cdk.out', entry, 'index.mjs')).find((file) => {
      try {
        return readFileSync(file, 'utf8').includes('too_many_messages');
      } catch {
        return false;
      }
    });
    expect(publishBundle, 'the publish function bundle').toBeDefined();
  });

  it('runs the installed bin from the build', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'topicast'), ['--help'], { cwd: app, timeout: 30_000 });
    expect(stdout).toMatch(/publish +send an event/);
  });
});

describe('a fresh CDK app with the folder installed', () => {
  it('links the checkout, built by its prepare script, and synthesizes a RealtimeApi from it', async () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.prepare).toBe('npm run build');
    writeFileSync(
      join(folderApp, 'app.mjs'),
      `import { App, Stack } from 'aws-cdk-lib';
import { RealtimeApi } from 'topicast/cdk';
import { defineChannel } from 'topicast/channel';
const app = new App({ outdir: 'cdk.out' });
new RealtimeApi(new Stack(app, 'FolderApp'), 'Realtime');
app.synth();
console.log(typeof defineChannel);
`,
    );

    // Act
    const { stdout } = await run('node', ['app.mjs'], { cwd: folderApp, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });

    // Assess
    expect(lstatSync(join(folderApp, 'node_modules', 'topicast')).isSymbolicLink()).toBe(true);
    expect(stdout.trim().split('\n').at(-1)).toBe('function');
    const template = JSON.parse(readFileSync(join(folderApp, 'cdk.out', 'FolderApp.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(11);
    const bin = await run(join(folderApp, 'node_modules', '.bin', 'topicast'), ['--help'], { cwd: folderApp, timeout: 60_000 });
    expect(bin.stdout).toMatch(/dynamodb +serve one embedded DynamoDB/);
  });
});
