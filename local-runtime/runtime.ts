/**
 * `topicast local`: runs the WebSocket APIs of a synthesized CDK app. Everything comes
 * from the templates: routes and route responses, each function's code, handler,
 * environment, timeout, memory and role, the tables. Each function runs in execution
 * environments of its own with credentials that name its role; every AWS call it makes
 * reaches the one local AWS endpoint, which authorizes it against the role's policies.
 */
import { createServer, type Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { readCloudAssembly } from './assembly/cloud-assembly.js';
import { buildLocalApp, LOCAL_ACCOUNT, LOCAL_REGION, type FunctionModel, type FunctionUrlModel, type LocalApp, type RoleModel, type WebSocketApiModel } from './assembly/local-app.js';
import { LocalAwsEndpoint } from './aws/aws-endpoint.js';
import { DynamoDbService } from './aws/dynamodb-service.js';
import { serveFunctionUrl } from './aws/function-url.js';
import { LambdaService } from './aws/lambda-service.js';
import { SecretsManagerService } from './aws/secrets-manager-service.js';
import { iamSimulateEvaluator, type PolicyEvaluator } from './iam/policy-evaluator.js';
import { RoleCredentials, type Caller } from './aws/role-credentials.js';
import type { LocalIdentity } from './aws/local-identity.js';
import { listenPlainAndTls } from './gateway/dual-listener.js';
import { makeLocalCertificate, type LocalCertificate } from './gateway/local-certificate.js';
import { routeTable, serveWebSocketApi, type Integration, type ServedWebSocketApi, type WebSocketApiOptions } from './gateway/websocket-api.js';
import { watchFunctionCode } from './runner/code-watcher.js';
import { FunctionRunner, type Invocation } from './runner/function-runner.js';
import { buildLocalBundles } from './runner/local-bundles.js';
import { compileMockRoute } from '../local-gateway/mock-integration.js';
import { EventRules } from './events/event-rules.js';
import { POLLER_ACTIONS, QueuePoller } from './queues/queue-pollers.js';
import { SqsService } from './queues/sqs-service.js';
import { StreamCapture } from './streams/stream-capture.js';
import { TableStreams } from './streams/table-streams.js';
import { startDynamoDb, type LocalDynamoDb } from '../local-gateway/dynamodb.js';
import { LocalEventBus } from '../local-gateway/event-bus.js';
import { serveHttp, type HttpRoute } from '../local-gateway/http-routes.js';
import { createRequestLog, type LogEntry } from '../local-gateway/request-log.js';
import { isWarningOrError } from './runner/log-level.js';
import type { ConnectionPool } from '../local-gateway/connection-pool.js';
import type { GatewayResponse } from '../lambdas/handlers/api-gateway-event.js';

export interface LocalRuntimeOptions {
  /** The cloud assembly folder (cdk.out). */
  readonly assemblyDir: string;
  /** The first API's port; each further API gets the next one. 0 picks free ports. @default 3001 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** DynamoDB to use instead of an embedded dynalite. */
  readonly dynamoEndpoint?: string | undefined;
  /** Folder for the embedded dynalite's data; in memory when omitted. */
  readonly dataDir?: string | undefined;
  /** No per-request lines and no function output but its warnings and errors (denials and errors are still printed). @default false */
  readonly quiet?: boolean;
  /** @default stdout */
  readonly write?: (line: string) => void;
  /** @default the maintained IAM evaluator */
  readonly evaluator?: PolicyEvaluator;
  /** Environment the functions inherit PATH from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How often items past their TTL are deleted (dynalite has no TTL). @default 30000 */
  readonly ttlSweepIntervalMs?: number;
  /**
   * Values of the template's secrets (GetSecretValue), by logical id, name or construct
   * path; the others keep their `SecretString` or get a generated value. @default {}
   */
  readonly secretValues?: Readonly<Record<string, string>>;
  /** Reload a function when a file under its code folder changes (runner/code-watcher.ts). @default false */
  readonly watch?: boolean;
  /** Every request log entry (the local pages' log). */
  readonly onLogEntry?: (entry: LogEntry) => void;
  /** Every function invocation once it is over, with how long its environment ran it (benches count them). */
  readonly onInvocation?: (fn: FunctionModel, invocation: Invocation, durationMs: number) => void;
  /**
   * Function URLs also served on the first API's port, under some paths (`npm start`'s
   * publish and Pusher HTTP APIs, where the local gateway served them). `authType: 'NONE'`
   * serves an AWS_IAM URL unsigned there: the port listens on this machine only.
   */
  readonly mounts?: readonly FunctionUrlMount[];
  /** More HTTP routes on the first API's port (local pages), after the Management API and the mounts. */
  readonly extraRoutes?: (api: LocalApiFacts) => readonly HttpRoute[];
  /**
   * API Gateway's limits, shortened so a test can see them act: a connection idle this long
   * is closed (1001). @default 600000 (10 minutes, as on AWS)
   */
  readonly idleTimeoutMs?: number;
  /** Every connection is closed (1001) after this long. @default 7200000 (2 hours, as on AWS) */
  readonly maxConnectionMs?: number;
  /** A route's integration is given up on after this long ("Endpoint request timed out"). @default 29000 (as on AWS) */
  readonly integrationTimeoutMs?: number;
  /** Every line a function writes, quiet or not (the local pages read the functions' EMF metrics from it). */
  readonly onFunctionOutput?: (fn: FunctionModel, line: string) => void;
  /**
   * What a client's frame was, for its request line and the dashboard (npm start decodes
   * topicast's frames: Phoenix's arrays all go to `$default`, so the route key alone says
   * little). Undefined adds nothing to the line.
   */
  readonly labelFrame?: (body: string) => string | undefined;
  /** A local answer to some handshakes on the first API, before `$connect` (websocket-api.ts). */
  readonly refuseConnect?: WebSocketApiOptions['refuseConnect'];
  /**
   * The TLS certificate the runtime serves and the functions trust (NODE_EXTRA_CA_CERTS).
   * @default one made at start. A test gives one to serve an https endpoint of its own with
   * (a JWKS URL, which the construct wants https), as a public CA's is trusted on AWS.
   */
  readonly certificate?: LocalCertificate;
  /**
   * The certificate and credential secret this runtime shares with the others of this user on
   * this machine (local-identity.ts `loadLocalIdentity()`): runtimes on one DynamoDB store then
   * post to each other's connections, and a backend trusts one certificate file. `certificate`
   * wins over its certificate. @default this runtime's own (a certificate made at start, a random secret)
   */
  readonly identity?: LocalIdentity;
  /**
   * Issue `operatorCredentials`: a role outside the template allowed every action, as an
   * account administrator's credentials are on AWS, for a test acting as a backend (the
   * Management API from outside the functions). @default false
   */
  readonly operator?: boolean;
}

export interface FunctionUrlMount {
  /** Which of the template's Function URLs. */
  readonly functionUrl: (url: FunctionUrlModel) => boolean;
  /** Which request paths it serves on the first API's port. */
  readonly matches: (pathname: string) => boolean;
  readonly authType?: 'NONE';
}

/** What local extras on the first API's port may read. */
export interface LocalApiFacts {
  readonly pool: ConnectionPool;
  readonly eventBus: LocalEventBus;
  readonly port: number;
  readonly stage: string;
  readonly dynamoEndpoint: string;
  readonly tableNames: readonly string[];
}

export interface RunningApi {
  readonly name: string;
  readonly apiId: string;
  readonly stage: string;
  readonly port: number;
  readonly url: string;
  /** The API's open connections, as the Management API sees them. */
  readonly connections: ConnectionPool;
}

export interface RunningFunctionUrl {
  readonly logicalId: string;
  readonly authType: string;
  /** `http://127.0.0.1:<port>/` (https:// on the same port too). */
  readonly url: string;
}

export interface LocalRuntime {
  readonly app: LocalApp;
  readonly apis: readonly RunningApi[];
  readonly functionUrls: readonly RunningFunctionUrl[];
  readonly dynamoEndpoint: string;
  /** The endpoint every function's AWS_ENDPOINT_URL names. */
  readonly awsEndpoint: string;
  readonly eventBus: LocalEventBus;
  /** The template's SQS queues (their messages can be looked at). */
  readonly queues: SqsService;
  /** Credentials of the local operator role (option `operator`), else undefined. */
  readonly operatorCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string } | undefined;
  /** Hands the streams' buffered records to their functions now and waits for the batches. */
  flushStreams(): Promise<void>;
  /** Deletes the items past their TTL now (and records the deletions); returns how many. */
  sweep(nowSeconds?: number): Promise<number>;
  /** Waits for the asynchronous invocations under way (Event invokes, rule targets) and their retries. */
  drainAsyncInvocations(): Promise<void>;
  end(): Promise<void>;
}

/** Where the AWS SDK v3 the runtime provides lives: the folder holding topicast's node_modules. */
function sdkNodeModules(): string {
  const entry = createRequire(import.meta.url).resolve('@aws-sdk/client-dynamodb');
  const marker = `${sep}node_modules${sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length - 1);
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const host = options.host ?? '127.0.0.1';
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const quiet = options.quiet === true;
  const parentEnv = options.env ?? process.env;
  const templateApp = buildLocalApp(readCloudAssembly(options.assemblyDir));
  if (templateApp.apis.length === 0) throw new Error(`no WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET) in ${options.assemblyDir}`);
  for (const warning of templateApp.warnings) write(`WARN ${warning}`);
  const log = createRequestLog({ quiet, write, ...(options.onLogEntry ? { onEntry: options.onLogEntry } : {}) });
  // Side by side, each waiting on its own I/O: the functions whose construct left their
  // bundling to the runtime (topicast's, in `topicast local`'s synthesis), DynamoDB, the certificate.
  const started = await Promise.allSettled([
    buildLocalBundles(templateApp.functions, { watch: options.watch === true, log: write }),
    startDynamoDb({ endpoint: options.dynamoEndpoint, dataDir: options.dataDir }),
    options.certificate ?? options.identity?.certificate ?? makeLocalCertificate(),
  ] as const);
  const [bundling, dynamoStart, certificateMade] = started;
  if (bundling.status === 'rejected' || dynamoStart.status === 'rejected' || certificateMade.status === 'rejected') {
    if (bundling.status === 'fulfilled') await bundling.value.close();
    if (dynamoStart.status === 'fulfilled') await dynamoStart.value.end();
    throw ([bundling, dynamoStart, certificateMade].find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const bundles = bundling.value;
  const dynamo: LocalDynamoDb = dynamoStart.value;
  const certificate = certificateMade.value;
  const app: LocalApp = { ...templateApp, functions: bundles.functions };
  await Promise.all(app.tables.map((table) => createTable(dynamo, table.createTable as unknown as CreateTableCommandInput, table.ttlAttribute)));
  const eventBus = new LocalEventBus(write);
  const credentials = new RoleCredentials(options.identity?.secret);

  // Servers first: the functions' environments name their ports. The APIs', then the Function URLs'.
  const servers = [...app.apis, ...app.functionUrls].map(() => createServer());
  const listening: { server: NetServer; port: number }[] = [];
  let nextPort = options.port ?? 3001;
  for (const server of servers) {
    const bound = await listenPlainAndTls(server, certificate, nextPort, host);
    listening.push(bound);
    if (nextPort !== 0) nextPort = bound.port + 1;
  }
  const urlPort = (index: number) => (listening[app.apis.length + index] as { port: number }).port;
  const firstPort = (listening[0] as { port: number }).port;
  // A second process opening the same data dir is told where this one serves.
  dynamo.dataDirLock?.describe(`ws://${host}:${firstPort}`);
  const awsEndpoint = `http://${host}:${firstPort}`;
  const localHosts = [
    ...app.apis.map((api, index) => [api.awsHost, `${host}:${(listening[index] as { port: number }).port}`] as const),
    ...app.functionUrls.map((url, index) => [url.awsHost, `${host}:${urlPort(index)}`] as const),
    // Queue URLs name SQS's endpoint, and the SDK sends a queue's requests to its URL's origin:
    // the local endpoint's own (plain HTTP, as AWS_ENDPOINT_URL), so that the two agree.
    [`https://sqs.${LOCAL_REGION}.amazonaws.com`, awsEndpoint] as const,
  ];
  const localize = (value: string) => localHosts.reduce((text, [awsHost, localHost]) => text.split(awsHost).join(localHost), value);

  const nodeModules = sdkNodeModules();
  const runners = new Map<string, FunctionRunner>();
  const callers = new Map<string, Caller>();
  for (const fn of app.functions) {
    if (!fn.runtime.startsWith('nodejs')) {
      write(`WARN ${fn.stackName}: function ${fn.logicalId} (${fn.runtime}) is not run: the local runtime runs Node.js functions only`);
      continue;
    }
    const caller = fn.roleArn ? credentials.issue(fn.functionName, fn.roleArn) : undefined;
    if (caller) callers.set(fn.arn, caller);
    const environment: Record<string, string> = {
      ...Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, localize(value)])),
      ...lambdaEnvironment(fn),
      ...(caller ? { AWS_ACCESS_KEY_ID: caller.accessKeyId, AWS_SECRET_ACCESS_KEY: caller.secretAccessKey, AWS_SESSION_TOKEN: caller.sessionToken } : {}),
      AWS_ENDPOINT_URL: awsEndpoint,
      NODE_EXTRA_CA_CERTS: certificate.certFile,
      NODE_PATH: nodeModules,
      TOPICAST_RUNTIME_SDK_PARENT: pathToFileURL(join(dirname(nodeModules), 'runtime-provided-sdk.js')).href,
      PATH: parentEnv.PATH ?? '/usr/bin:/bin',
      // Lambda runs the function's own Node.js (22+); the SDK's warning about this machine's older one says nothing about the function.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const prefix = `[${fn.logicalId}]`;
    const output = options.onFunctionOutput;
    const onInvocation = options.onInvocation;
    runners.set(
      fn.arn,
      new FunctionRunner(fn, {
        environment,
        log: (line, stream) => {
          output?.(fn, line);
          if (!quiet || isWarningOrError(line, stream)) write(`${prefix} ${line}`);
        },
        ...(onInvocation ? { onInvoked: (invocation: Invocation, durationMs: number) => onInvocation(fn, invocation, durationMs) } : {}),
      }),
    );
  }

  const codeWatcher = options.watch
    ? watchFunctionCode(runners.values(), (reloaded, file) => {
        if (!quiet) write(`reloaded ${reloaded.map((runner) => runner.fn.logicalId).join(', ')}: ${file} changed`);
      })
    : undefined;

  const sqs = new SqsService(app.queues, (queue) => localize(queue.url));
  // Lambda sends an on-failure record to a queue as the function's role.
  const sendAsFunction = async (queueArn: string, functionArn: string, body: string): Promise<boolean> => {
    const queue = sqs.queue(queueArn);
    const caller = callers.get(functionArn);
    if (!queue || !caller || !(await endpoint.authorize(caller, 'sqs:SendMessage', queueArn))) return false;
    queue.send({ MessageBody: body }, caller.principalArn);
    return true;
  };
  const lambda = new LambdaService({
    runners,
    invokeConfigs: app.invokeConfigs,
    log: (line) => log.logger.warn(line),
    onFailure: (destination, functionArn, record) => sendAsFunction(destination, functionArn, JSON.stringify(record)),
  });
  const streams = new TableStreams(app.tables, app.eventSourceMappings, runners, write);
  const streamCapture = new StreamCapture(app.tables, streams, dynamo.endpoint);
  const sweepTimer = setInterval(() => {
    streamCapture.sweep().catch((error: unknown) => log.logger.error('ttl sweep failed', { error }));
  }, options.ttlSweepIntervalMs ?? 30_000);
  sweepTimer.unref();
  const endpoint = new LocalAwsEndpoint({
    credentials,
    roles: options.operator ? [...app.roles, OPERATOR_ROLE] : app.roles,
    evaluator: options.evaluator ?? iamSimulateEvaluator(),
    dynamodb: new DynamoDbService(app.tables, dynamo.endpoint),
    lambda,
    eventBus,
    secrets: new SecretsManagerService(app.secrets, options.secretValues),
    streamCapture,
    sqs,
    log: write,
  });

  const rules = new EventRules(app.rules, app.invokePermissions, {
    invokeAsync: (functionArn, payload) => lambda.enqueue(functionArn, payload),
    sendToQueue: (queueArn, body, attributes) => {
      const queue = sqs.queue(queueArn);
      if (!queue) return false;
      try {
        queue.send({ MessageBody: body, MessageAttributes: Object.fromEntries(Object.entries(attributes ?? {}).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])) }, 'events.amazonaws.com');
        return true;
      } catch {
        return false;
      }
    },
    log: write,
  });
  const unsubscribeRules = eventBus.subscribe((event) => void rules.route(event));
  const pollers = await startQueuePollers(app, sqs, runners, callers, endpoint, write);

  const served: ServedWebSocketApi[] = [];
  const apis: RunningApi[] = app.apis.map((api, index) => {
    const server = servers[index] as Server;
    const port = (listening[index] as { port: number }).port;
    const stage = api.stageNames[0] ?? '$default';
    const websocket = serveWebSocketApi({
      server,
      identity: { apiId: api.apiId, stage, domainName: `${host}:${port}` },
      routes: routeTable(api.routeSelectionExpression, api.routes.filter((route) => route.unsupported === undefined)),
      integrate: (routeKey, event) =>
        log.timed(routeKey, event.requestContext.connectionId, () => integrateRoute(api, runners, routeKey, event, log.logger), typeof event.body === 'string' ? options.labelFrame?.(event.body) : undefined),
      onIntegrationTimeout: (routeKey, connectionId) => log.logger.error('integration timed out', { routeKey, connectionId }),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.integrationTimeoutMs !== undefined ? { integrationTimeoutMs: options.integrationTimeoutMs } : {}),
      ...(options.maxConnectionMs !== undefined ? { maxConnectionMs: options.maxConnectionMs } : {}),
      ...(index === 0 && options.refuseConnect ? { refuseConnect: options.refuseConnect } : {}),
    });
    served.push(websocket);
    const routes: HttpRoute[] = [endpoint.route({ apiId: api.apiId, stageNames: api.stageNames, pool: websocket.pool, hooks: { onDelete: (id) => websocket.noteDeleted(id) } })];
    if (index === 0) {
      for (const mount of options.mounts ?? []) {
        const url = app.functionUrls.find((candidate) => mount.functionUrl(candidate));
        const runner = url ? runners.get(url.functionArn) : undefined;
        if (!url || !runner) continue;
        const served = mount.authType ? { ...url, authType: mount.authType } : url;
        routes.push({
          name: `function url ${url.logicalId}`,
          matches: (request) => mount.matches(new URL(request.url ?? '/', 'http://local').pathname),
          handle: (request, response) => serveFunctionUrl(request, response, { url: served, runner, domainName: `${host}:${port}`, credentials, allowed: (caller, action, resource) => endpoint.authorize(caller, action, resource) }),
        });
      }
      routes.push(...(options.extraRoutes?.({ pool: websocket.pool, eventBus, port, stage, dynamoEndpoint: dynamo.endpoint, tableNames: app.tables.map((table) => table.tableName) }) ?? []));
    }
    server.on('request', (request, response) => {
      if (serveHttp(routes, request, response, (route, error) => log.logger.error(`${route} failed`, { error }))) return;
      response.writeHead(426, { 'content-type': 'text/plain' }).end('topicast local: connect with a WebSocket client\n');
    });
    return { name: api.name, apiId: api.apiId, stage, port, url: `ws://${host}:${port}`, connections: websocket.pool };
  });

  const functionUrls: RunningFunctionUrl[] = app.functionUrls.flatMap((url, index) => {
    const runner = runners.get(url.functionArn);
    const server = servers[app.apis.length + index] as Server;
    const port = urlPort(index);
    server.on('request', (request, response) => {
      if (!runner) {
        response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: `the function of ${url.logicalId} is not run locally` }));
        return;
      }
      serveFunctionUrl(request, response, { url, runner, domainName: `${host}:${port}`, credentials, allowed: (caller, action, resource) => endpoint.authorize(caller, action, resource) }).catch((error: unknown) => {
        log.logger.error('function url failed', { url: url.logicalId, error });
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    return [{ logicalId: url.logicalId, authType: url.authType, url: `http://${host}:${port}/` }];
  });

  const operator = options.operator ? credentials.issue('local-operator', OPERATOR_ROLE.arn) : undefined;
  return {
    app,
    apis,
    functionUrls,
    operatorCredentials: operator ? { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey, sessionToken: operator.sessionToken } : undefined,
    dynamoEndpoint: dynamo.endpoint,
    awsEndpoint,
    eventBus,
    queues: sqs,
    async flushStreams() {
      // The records of writes already answered first (their images are read after the answer).
      await streamCapture.settled();
      await streams.flush();
    },
    sweep: (nowSeconds) => streamCapture.sweep(nowSeconds),
    drainAsyncInvocations: () => lambda.drain(),
    async end() {
      clearInterval(sweepTimer);
      codeWatcher?.close();
      await Promise.all(served.map((websocket) => websocket.closeAll()));
      await log.settled();
      unsubscribeRules();
      await streams.end();
      await Promise.all(pollers.map((poller) => poller.end()));
      await lambda.drain();
      sqs.close();
      for (const runner of runners.values()) runner.reset();
      // Last: the functions ran from these folders until now.
      await bundles.close();
      for (const websocket of served) websocket.close();
      await Promise.all(
        listening.map(({ server }, index) => {
          (servers[index] as Server).closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        }),
      );
      await dynamo.end();
    },
  };
}

/**
 * The SQS event source mappings. Lambda refuses to create one whose function's role may not
 * receive, delete and read the queue's attributes: such a mapping is not run, with Lambda's message.
 */
async function startQueuePollers(
  app: LocalApp,
  sqs: SqsService,
  runners: ReadonlyMap<string, FunctionRunner>,
  callers: ReadonlyMap<string, Caller>,
  endpoint: LocalAwsEndpoint,
  write: (line: string) => void,
): Promise<QueuePoller[]> {
  const pollers: QueuePoller[] = [];
  for (const mapping of app.eventSourceMappings) {
    const queue = sqs.queue(mapping.eventSourceArn);
    if (!queue || !mapping.enabled) continue;
    const runner = runners.get(mapping.functionArn);
    const caller = callers.get(mapping.functionArn);
    if (!runner) continue;
    let refused: string | undefined;
    for (const action of POLLER_ACTIONS) {
      if (!caller || !(await endpoint.authorize(caller, action, queue.model.arn))) {
        refused = action.slice('sqs:'.length);
        break;
      }
    }
    if (refused) {
      write(`WARN ${mapping.logicalId} is not run: Lambda refuses to create it ("The provided execution role does not have permissions to call ${refused} on SQS")`);
      continue;
    }
    pollers.push(new QueuePoller(mapping, queue, runner, write));
  }
  return pollers;
}

/** One route's Lambda proxy integration: the function's result, or API Gateway's error. */
async function integrateRoute(
  api: WebSocketApiModel,
  runners: ReadonlyMap<string, FunctionRunner>,
  routeKey: string,
  event: Parameters<FunctionRunner['invoke']>[0] & { body?: string | null; requestContext: { requestId?: string; connectionId: string } },
  logger: { error(message: string, fields?: Record<string, unknown>): void },
): Promise<Integration> {
  const requestId = event.requestContext.requestId ?? '';
  const route = api.routes.find((candidate) => candidate.routeKey === routeKey);
  if (route?.mock) {
    // API Gateway answers a MOCK route from its templates; no function runs.
    const outcome = compileMockRoute(route.mock)(typeof event.body === 'string' ? event.body : '');
    if (outcome.kind === 'configuration-error') {
      logger.error('execution failed due to configuration error', { routeKey, message: outcome.message });
      return { kind: 'function-error', statusCode: 500, requestId };
    }
    return { kind: 'response', statusCode: outcome.statusCode, response: outcome.body === undefined ? undefined : { statusCode: outcome.statusCode, body: outcome.body }, requestId };
  }
  const runner = route?.functionArn ? runners.get(route.functionArn) : undefined;
  if (!runner) {
    logger.error('route function not run locally', { routeKey, function: route?.functionArn });
    return { kind: 'function-error', statusCode: 500, requestId };
  }
  const invocation = await runner.invoke(event);
  if (invocation.status === 'failed') {
    logger.error('function error', { routeKey, connectionId: event.requestContext.connectionId, error: `${invocation.error.errorType}: ${invocation.error.errorMessage}` });
    return { kind: 'function-error', statusCode: 500, requestId };
  }
  const response = invocation.result as GatewayResponse | undefined | null;
  // A result without a statusCode (even none at all) is a successful integration.
  const statusCode = typeof response?.statusCode === 'number' ? response.statusCode : 200;
  return { kind: 'response', statusCode, response: response ?? undefined, requestId };
}

/** Not in any template: the role of option `operator`, allowed everything. */
const OPERATOR_ROLE: RoleModel = {
  logicalId: 'LocalOperator',
  roleName: 'topicast-local-operator',
  arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/topicast-local-operator`,
  policies: [{ name: 'LocalOperator/AllowAll', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
  managedPolicyArns: [],
};

/** The variables Lambda sets in every execution environment. */
function lambdaEnvironment(fn: FunctionModel): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]local',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.codeDir,
    LAMBDA_RUNTIME_DIR: fn.codeDir,
    _HANDLER: fn.handler,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
  };
}

async function createTable(dynamo: LocalDynamoDb, input: CreateTableCommandInput, ttlAttribute: string | undefined): Promise<void> {
  try {
    await dynamo.client.send(new CreateTableCommand(input));
  } catch (error) {
    // Kept from an earlier run (--data-dir) or made by another runtime sharing this DynamoDB.
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  if (ttlAttribute) {
    await dynamo.client
      .send(new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }))
      .catch(() => undefined);
  }
}
