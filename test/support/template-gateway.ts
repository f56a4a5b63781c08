/**
 * End-to-end tests run what `npm start` runs: this repository's CDK app, synthesized with
 * the context `npm start` gives it (cli/npm-start.ts), served by the template runtime
 * (local-runtime/): every route, function, environment, table, stream, queue and IAM policy
 * comes from the template that deploys. The readers in local-gateway.ts (connectionIdOf,
 * gatewayTable, connectTracked, ...) take what this starts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoRealtimeStore } from '../../lambdas/adapters/dynamodb/realtime-store.js';
import type { TopicastConfigInput } from '../../lambdas/core/config.js';
import { checkChannelModules } from '../../cli/channel-check.js';
import { npmStartExtras, npmStartOptions } from '../../cli/npm-start.js';
import { synthesizeCached } from '../../local-runtime/assembly/assembly-cache.js';
import { synthesize } from '../../local-runtime/assembly/synthesize.js';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';
import type { Invocation } from '../../local-runtime/runner/function-runner.js';
import { loadLocalIdentity } from '../../local-runtime/aws/local-identity.js';
import type { LocalCertificate } from '../../local-runtime/gateway/local-certificate.js';
import type { ConnectionPool } from '../../local-gateway/connection-pool.js';
import type { LocalEventBus } from '../../local-gateway/event-bus.js';
import { localPages } from '../../local-gateway/pages/runtime-pages.js';
import { gatewayTable } from './local-gateway.js';
import { closeAll, openClient } from './ws-client.js';

export interface GatewayOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The API's stage (context stageName). @default 'local' */
  readonly stage?: string;
  /** A DynamoDB to use instead of an embedded dynalite (DYNAMODB_ENDPOINT). */
  readonly dynamoEndpoint?: string | undefined;
  /** Folder for the embedded dynalite's data (`--data-dir`). */
  readonly dataDir?: string | undefined;
  /** Settings (`--config`'s shape), over those of `env`'s TOPICAST_CONFIG. */
  readonly config?: TopicastConfigInput;
  /**
   * `npm start`'s environment: TOPICAST_CONFIG, TOPICAST_AUTH, TOPICAST_ALLOWED_ORIGINS,
   * TOPICAST_TOKEN_SECRET, TOPICAST_JWKS_URL, TOPICAST_PUSHER_APP_ID/_KEY/_SECRET/_WEBHOOK_URL.
   * Nothing from the shell running the tests reaches it. @default {}
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Channel module files (`--channel`), relative to the working directory. */
  readonly channels?: readonly string[];
  /** API Gateway's idle limit, shortened for a test. @default 600000 */
  readonly idleTimeoutMs?: number;
  /** API Gateway's connection age limit, shortened for a test. @default 7200000 */
  readonly maxConnectionMs?: number;
  /** Where the runtime's lines go too (they are kept in `lines` either way). @default nowhere */
  readonly write?: (line: string) => void;
  /** The runtime's TLS certificate, which the functions trust; for an https endpoint of the test's own (a JWKS URL). @default one made at start */
  readonly certificate?: LocalCertificate;
  /**
   * A CDK app folder (its cdk.json) to run instead of this repository's, with the same
   * context: a test app that changes lib/'s output (test/fixtures/without-push-grant).
   * Synthesized afresh each start: a kept assembly's key does not cover files outside the folder.
   */
  readonly appDir?: string;
  /**
   * The test provokes IAM denials on purpose. Otherwise `end()` fails when the runtime
   * printed one (accessDeniedLines): on AWS that call would have failed too.
   * @default false
   */
  readonly allowAccessDenied?: boolean;
  /** Serve the local pages (`/`, `/_topicast` and its JSON api) as `npm start` does. @default false (they bundle the browser code) */
  readonly pages?: boolean;
  /** The folder of the local identity (certificate, credential secret) to share. @default npm start's, $TMPDIR/topicast-local-<uid> */
  readonly identityDir?: string;
}

/** One function invocation the runtime ran (its template logical id). */
export interface FunctionInvocation {
  readonly logicalId: string;
  readonly status: Invocation['status'];
}

export interface RunningGateway {
  readonly runtime: LocalRuntime;
  /** `ws://127.0.0.1:<port>`; any path is accepted, as `/<stage>` is on AWS. */
  readonly url: string;
  readonly port: number;
  readonly stage: string;
  /** The Management API, as a backend configures its client: `http://127.0.0.1:<port>/<stage>`. */
  readonly managementEndpoint: string;
  readonly dynamoEndpoint: string;
  /** The template's table. */
  readonly tableName: string;
  readonly connections: ConnectionPool;
  /** EventBridge's PutEvents: the events the functions put (config `lifecycleEvents`). */
  readonly eventBus: LocalEventBus;
  /** Everything the runtime printed: request lines, the functions' output, denials. */
  readonly lines: readonly string[];
  /** Every function invocation so far, in the order they ended. */
  readonly invocations: readonly FunctionInvocation[];
  /** Deletes the items past their TTL now, as DynamoDB's TTL would (into the table's stream); returns how many. */
  sweep(nowSeconds?: number): Promise<number>;
  /** Hands the table stream's buffered records to their functions now and waits for them. */
  flushPresence(): Promise<void>;
  /** Waits for the asynchronous invocations under way (the fan-out worker's batches). */
  drain(): Promise<void>;
  /** Ends the runtime; then rejects with the denials it printed, unless `allowAccessDenied`. */
  end(): Promise<void>;
}

/**
 * The lines that show a request AWS would have refused: the runtime's own report of an IAM
 * denial (`AccessDenied: User: ... is not authorized to perform: ...`, printed for every
 * service it enforces: DynamoDB, @connections, Lambda Invoke, EventBridge, SQS, Secrets
 * Manager, Function URLs), EventBridge's refusal to invoke a function whose resource policy
 * does not let it (NO_PERMISSIONS), an SQS event source mapping Lambda would refuse to create
 * for want of its role's permissions, and a function's own output naming an AccessDenied it got.
 */
export function accessDeniedLines(lines: readonly string[]): string[] {
  return lines.filter(
    (line) =>
      line.startsWith('AccessDenied:') ||
      /\(NO_PERMISSIONS: /.test(line) ||
      line.includes('The provided execution role does not have permissions to call') ||
      /^\[[^\]]+\] .*AccessDenied/.test(line),
  );
}

// Kept apart from `topicast local`'s (which keeps 3): side by side, test files ask for many contexts.
const TEST_ASSEMBLIES = join(tmpdir(), 'topicast-test-assemblies');

/** A test app's assemblies, one per app folder and context for this test file's process. */
const testAppAssemblies = new Map<string, Promise<string>>();

function synthesizeOnce(appDir: string, context: Readonly<Record<string, string>>): Promise<string> {
  const key = JSON.stringify([appDir, context]);
  let assembly = testAppAssemblies.get(key);
  if (!assembly) {
    assembly = synthesize({ appDir, context });
    testAppAssemblies.set(key, assembly);
  }
  return assembly;
}

/**
 * Like `startGateway`, with presence diffs sent per change (window 0), so a test can expect
 * each one right away; tests of coalescing set a window.
 */
export function startTestGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  return startGateway({ ...options, config: { presence: { windowMs: 0 }, ...options.config } });
}

/**
 * Starts what `npm start` starts, on a free port unless `port` is given, with its own
 * embedded dynalite unless `dynamoEndpoint` is given.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? {};
  const settings: TopicastConfigInput = { ...(env.TOPICAST_CONFIG ? (JSON.parse(env.TOPICAST_CONFIG) as TopicastConfigInput) : {}), ...options.config };
  const start = npmStartOptions(
    { port: String(options.port ?? 0), ...(options.stage ? { stage: options.stage } : {}), ...(options.channels?.length ? { channel: [...options.channels] } : {}) },
    { ...env, TOPICAST_CONFIG: JSON.stringify(settings) },
  );
  // As npm start does: a module that cannot work stops the start, naming the file.
  if (options.channels?.length) await checkChannelModules(options.channels);
  const assemblyDir = options.appDir
    ? await synthesizeOnce(options.appDir, start.context)
    : (await synthesizeCached({ appDir: start.appDir, context: start.context, cacheDir: TEST_ASSEMBLIES, keep: 64 })).assemblyDir;
  const lines: string[] = [];
  const invocations: FunctionInvocation[] = [];
  const pages = options.pages ? localPages() : undefined;
  const runtime = await startLocalRuntime({
    assemblyDir,
    port: start.port,
    quiet: false,
    write: (line) => {
      lines.push(line);
      options.write?.(line);
    },
    dynamoEndpoint: options.dynamoEndpoint,
    dataDir: options.dataDir,
    secretValues: start.secretValues,
    ...npmStartExtras(start),
    ...(pages ? { onLogEntry: pages.onLogEntry, onFunctionOutput: pages.onFunctionOutput, extraRoutes: pages.routes } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.maxConnectionMs !== undefined ? { maxConnectionMs: options.maxConnectionMs } : {}),
    ...(options.certificate ? { certificate: options.certificate } : {}),
    onInvocation: (fn, invocation) => invocations.push({ logicalId: fn.logicalId, status: invocation.status }),
    // As npm start: the machine's shared certificate and credential secret, so gateways on one DynamoDB reach each other's connections.
    identity: await loadLocalIdentity(options.identityDir),
    // A test may act as a backend outside the functions (managementClient(gateway)).
    operator: true,
  });
  const api = runtime.apis[0];
  const table = runtime.app.tables[0];
  if (!api || !table) throw new Error(`the app synthesized in ${assemblyDir} has no WebSocket API or no table`);
  return {
    runtime,
    url: api.url,
    port: api.port,
    stage: api.stage,
    managementEndpoint: `http://127.0.0.1:${api.port}/${api.stage}`,
    dynamoEndpoint: runtime.dynamoEndpoint,
    tableName: table.tableName,
    connections: api.connections,
    eventBus: runtime.eventBus,
    lines,
    invocations,
    sweep: (nowSeconds) => runtime.sweep(nowSeconds),
    flushPresence: () => runtime.flushStreams(),
    drain: () => runtime.drainAsyncInvocations(),
    async end() {
      await runtime.end();
      const denied = options.allowAccessDenied ? [] : accessDeniedLines(lines);
      if (denied.length > 0) {
        throw new Error(`the gateway's functions made requests their roles do not allow (AWS would refuse them too):\n${denied.join('\n')}`);
      }
    },
  };
}

/**
 * topicast's store over the gateway's table, for a test that writes what no client could
 * (a connection whose socket vanished). Its writes go to DynamoDB directly, not through a
 * function: the table's stream does not see them, as on AWS it would.
 */
export function realtimeStore(gateway: Pick<RunningGateway, 'dynamoEndpoint' | 'tableName'>): DynamoRealtimeStore {
  return new DynamoRealtimeStore(gatewayTable(gateway).documentClient, gateway.tableName);
}

/**
 * Starts the environments a burst of `clients` connections needs ($connect, a join of `topic`,
 * $disconnect, the presence function): each first invocation is a cold start (a process, seconds
 * on a loaded machine), which a test's own short waits should not pay for. Retries connects
 * that time out until `timeoutMs`.
 */
export async function warmUp(gateway: Pick<RunningGateway, 'url' | 'flushPresence'>, clients: number, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pending = clients; pending > 0; ) {
    const opened = await Promise.allSettled(Array.from({ length: pending }, () => openClient(gateway.url)));
    const open = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    // A join that outlasts its wait still started its environment.
    await Promise.allSettled(open.map((client) => client.join(topic)));
    await closeAll(open);
    pending -= open.length;
    if (pending > 0 && Date.now() > deadline) throw new Error(`warm-up: ${pending} of ${clients} connections still timed out after ${timeoutMs} ms`);
  }
  await gateway.flushPresence();
}
