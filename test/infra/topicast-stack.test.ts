/**
 * The default TopicastStack, synthesized once (with real esbuild bundling) and inspected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { HEARTBEAT_REPLY } from '../../lambdas/core/protocol/heartbeat-route.js';
import { actionsWithPrefix, logicalIdOf, newApp, resourcesFor, statementsOf } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[]; Metadata?: Record<string, any> }>;

let stack: TopicastStack;
let template: Template;
let resources: Resources;
let assemblyDir: string;

const ROUTES = ['$connect', '$disconnect', 'join', 'leave', 'push', 'ping', '$default'];
const MESSAGE_ROUTES = ['join', 'leave', 'push', 'ping', '$default'];
/** Answered by API Gateway itself (MOCK): no function. */
const MOCK_ROUTE_KEYS = ['heartbeat'];

beforeAll(() => {
  const app = newApp();
  stack = new TopicastStack(app, 'Topicast');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
  assemblyDir = app.synth().directory;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (route: string) => (route === 'fanout-worker' ? stack.realtime.fanoutWorker : stack.realtime.functions[route as '$connect']);
const statements = (route: string) => statementsOf(template, fn(route)).statements;
const envOf = (route: string): Record<string, unknown> => resources[logicalIdOf(fn(route))]!.Properties.Environment?.Variables ?? {};
const apiRef = () => ({ Ref: logicalIdOf(stack.realtime.webSocketApi) });

describe('WebSocket API', () => {
  it('routes on $request.body.action with exactly the seven function routes and the heartbeat', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(keys).toEqual([...ROUTES, ...MOCK_ROUTE_KEYS].sort());
  });

  it('makes every message route two-way (RouteResponseSelectionExpression + a $default RouteResponse) and not $connect/$disconnect', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route');
    const responses = ofType('AWS::ApiGatewayV2::RouteResponse');
    const routeIdsWithResponse = new Set(responses.map(([, r]) => r.Properties.RouteId.Ref as string));
    for (const [id, route] of routes) {
      const twoWay = [...MESSAGE_ROUTES, ...MOCK_ROUTE_KEYS].includes(route.Properties.RouteKey);
      expect(routeIdsWithResponse.has(id), route.Properties.RouteKey).toBe(twoWay);
      expect(route.Properties.RouteResponseSelectionExpression, route.Properties.RouteKey).toBe(twoWay ? '$default' : undefined);
    }
    expect(responses).toHaveLength(MESSAGE_ROUTES.length + MOCK_ROUTE_KEYS.length);
    for (const [, response] of responses) expect(response.Properties.RouteResponseKey).toBe('$default');
  });

  it('integrates each route with its own function (AWS_PROXY), none of them the fan-out worker', () => {
    const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration'));
    const targetByRoute = new Map<string, string>();
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      if (MOCK_ROUTE_KEYS.includes(route.Properties.RouteKey)) continue;
      const integrationId = (route.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      const integration = integrations[integrationId.Ref]!;
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      const uri = JSON.stringify(integration.Properties.IntegrationUri);
      const functionId = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1];
      expect(functionId, route.Properties.RouteKey).toBeDefined();
      targetByRoute.set(route.Properties.RouteKey, functionId!);
    }
    for (const route of ROUTES) expect(targetByRoute.get(route)).toBe(logicalIdOf(fn(route)));
    expect(new Set(targetByRoute.values()).size).toBe(ROUTES.length);
    expect([...targetByRoute.values()]).not.toContain(logicalIdOf(stack.realtime.fanoutWorker));
  });

  it('answers heartbeat from a MOCK integration with a fixed reply: no function, no Lambda request', () => {
    const [[routeId, route]] = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === 'heartbeat') as [[string, Resources[string]]];
    const integrationId = (route.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
    expect(resources[integrationId.Ref]!.Properties).toEqual({
      ApiId: apiRef(),
      IntegrationType: 'MOCK',
      TemplateSelectionExpression: '\\$default',
      RequestTemplates: { $default: '{"statusCode":200}' },
    });
    const [[, integrationResponse]] = ofType('AWS::ApiGatewayV2::IntegrationResponse') as [[string, Resources[string]]];
    expect(integrationResponse.Properties).toMatchObject({
      IntegrationId: { Ref: integrationId.Ref },
      IntegrationResponseKey: '$default',
      ResponseTemplates: { $default: HEARTBEAT_REPLY },
    });
    const [[, routeResponse]] = ofType('AWS::ApiGatewayV2::RouteResponse').filter(([, r]) => r.Properties.RouteId.Ref === routeId) as [[string, Resources[string]]];
    expect(routeResponse.Properties.RouteResponseKey).toBe('$default');
    // No permission lets API Gateway invoke anything for it.
    expect(JSON.stringify(ofType('AWS::Lambda::Permission'))).not.toContain(routeId);
  });

  it('has an auto-deployed prod stage with JSON access logs to a retained log group and default throttling', () => {
    const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resources[string]]];
    expect(stage.Properties).toMatchObject({
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 500, ThrottlingRateLimit: 1000 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalIdOf(stack.realtime.accessLogGroup), 'Arn'] } },
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', connectionId: '$context.connectionId', routeKey: '$context.routeKey' });
    expect(resources[logicalIdOf(stack.realtime.accessLogGroup)]!.Properties.RetentionInDays).toBe(7);
    // API Gateway needs the account-level CloudWatch role before a stage can log.
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    const [[accountId]] = ofType('AWS::ApiGateway::Account') as [[string, unknown]];
    expect(stage.DependsOn).toContain(accountId);
  });
});

describe('functions', () => {
  it('creates one function per route plus the fan-out worker, the publish function and the presence stream reader, all arm64 on nodejs22.x or newer', () => {
    const functions = ofType('AWS::Lambda::Function');
    // + fan-out worker, publish, presence reader, presence grace timer
    expect(functions).toHaveLength(ROUTES.length + 4);
    for (const [id, f] of functions) {
      expect(f.Properties.Architectures, id).toEqual(['arm64']);
      const major = Number(/^nodejs(\d+)\.x$/.exec(f.Properties.Runtime as string)?.[1]);
      expect(major, id).toBeGreaterThanOrEqual(22);
      expect(f.Properties.Handler, id).toBe('index.handler');
      expect(f.Properties.LoggingConfig?.LogGroup?.Ref, `${id} has its own log group`).toBeDefined();
    }
    // The fan-out worker does the big fan-outs (CPU is memory); the message routes mostly
    // wait on DynamoDB and the Management API, billed per GB-second; $connect and ping never fan out.
    expect(resources[logicalIdOf(fn('fanout-worker'))]!.Properties.MemorySize).toBe(1024);
    for (const name of ['join', 'leave', 'push', '$default', '$disconnect'] as const) {
      expect(resources[logicalIdOf(fn(name))]!.Properties.MemorySize, name).toBe(256);
    }
    expect(resources[logicalIdOf(fn('$connect'))]!.Properties.MemorySize).toBe(256);
    expect(resources[logicalIdOf(fn('ping'))]!.Properties.MemorySize).toBe(256);
    expect(resources[logicalIdOf(fn('join'))]!.Properties.Timeout).toBe(10);
    expect(resources[logicalIdOf(fn('fanout-worker'))]!.Properties.Timeout).toBe(60);
    // A retried async fan-out would deliver the broadcast twice.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(fn('fanout-worker')) },
      MaximumRetryAttempts: 0,
    });
  });

  it('gives every log group a retention', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    // Routes, worker, publish, presence, and the stage's access log.
    expect(groups.length).toBe(ROUTES.length + 5);
    for (const [id, g] of groups) expect(g.Properties.RetentionInDays, id).toBe(7);
  });

  it('bundles each handler as minified ESM with the createRequire banner and the AWS SDK inside', () => {
    const bundleOf = (route: string) => {
      // The asset directory in the cloud assembly is named after the S3 key's hash.
      const key = resources[logicalIdOf(fn(route))]!.Properties.Code.S3Key as string;
      return readFileSync(join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
    };
    for (const route of [...ROUTES, 'fanout-worker']) {
      const code = bundleOf(route);
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);"), route).toBe(true);
      expect(code, route).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/);
      // Minified: a few very long lines (esbuild keeps newlines only inside strings and legal comments).
      expect(code.length / code.split('\n').length, `${route} is minified`).toBeGreaterThan(1000);
      expect(code, `${route} has no source map`).not.toContain('sourceMappingURL');
      // BUNDLE_ALIASES: credentials from Lambda's environment, not the SDK's whole default chain.
      expect(code, `${route} reads credentials from the environment`).not.toContain('Could not load credentials from any providers');
      if (route !== 'ping') expect(code, route).toContain('this bundle is built for AWS Lambda');
    }
    // Not left external: the connect bundle carries the Secrets Manager client itself.
    const connect = bundleOf('$connect');
    expect(connect).toContain('GetSecretValue');
    expect(connect).not.toMatch(/from\s*["']@aws-sdk\//);
  });

  it('passes each function the environment it reads, and nothing secret', () => {
    const config = JSON.parse(envOf('join').TOPICAST_CONFIG as string) as Record<string, unknown>;
    expect(config).toEqual({ auth: 'required' });
    const tableRef = { Ref: logicalIdOf(stack.realtime.table) };
    const workerRef = { Ref: logicalIdOf(stack.realtime.fanoutWorker) };
    for (const route of [...ROUTES, 'fanout-worker']) {
      const env = envOf(route);
      expect(env.TOPICAST_CONFIG, route).toBe(JSON.stringify({ auth: 'required' }));
      expect(env.TABLE_NAME, route).toEqual(route === 'ping' ? undefined : tableRef);
      const needsWorker = ['$disconnect', 'join', 'leave', 'push', '$default'].includes(route);
      expect(env.TOPICAST_FANOUT_FUNCTION, route).toEqual(needsWorker ? workerRef : undefined);
      expect(env.TOPICAST_TOKEN_SECRET_ARN, route).toEqual(
        route === '$connect' ? { Ref: logicalIdOf(stack.realtime.tokenSecret) } : undefined,
      );
      expect(env.AWS_NODEJS_CONNECTION_REUSE_ENABLED, route).toBeUndefined();
      expect(env.TOPICAST_TOKEN_SECRET, route).toBeUndefined();
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      SecretString: Match.absent(),
    });
  });
});

describe('table', () => {
  it('is the shared single-table schema: pk/sk strings, on-demand, TTL expiresAt, PITR, encrypted, no index, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resources[string]]];
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.Properties.LocalSecondaryIndexes).toBeUndefined();
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('IAM (least privilege)', () => {
  const tableArn = () => ({ 'Fn::GetAtt': [logicalIdOf(stack.realtime.table), 'Arn'] });
  const expectedTable: Record<string, string[]> = {
    $connect: ['PutItem'],
    // + UpdateItem: a named member's row held for its reconnect (presence-grace)
    $disconnect: ['BatchWriteItem', 'DeleteItem', 'Query', 'UpdateItem'],
    join: ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    leave: ['BatchWriteItem', 'DeleteItem', 'Query', 'UpdateItem'],
    push: ['BatchWriteItem', 'DeleteItem', 'GetItem', 'Query', 'UpdateItem'],
    ping: [],
    $default: ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    'fanout-worker': ['BatchGetItem', 'BatchWriteItem', 'DeleteItem', 'Query'],
  };

  it('grants each function exactly its table actions, on the table ARN only', () => {
    for (const [route, actions] of Object.entries(expectedTable)) {
      const s = statements(route);
      expect(actionsWithPrefix(s, 'dynamodb:'), route).toEqual(actions.map((a) => `dynamodb:${a}`));
      for (const statement of s.filter((st) => st.actions.some((a) => a.startsWith('dynamodb:')))) {
        expect(statement.resources, route).toEqual([tableArn()]);
      }
    }
  });

  it('confines every table statement of every role to key prefixes (dynamodb:LeadingKeys): no role may touch the whole table', () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: { PolicyDocument: { Statement: { Action: string | string[]; Condition?: unknown }[] } } }>;
    const itemActions = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem', 'BatchGetItem'].map((a) => `dynamodb:${a}`);
    const unconfined = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([id, r]) => r.Properties.PolicyDocument.Statement.map((statement) => ({ id, statement })))
      .filter(({ statement }) => [statement.Action].flat().some((a) => itemActions.includes(a)))
      .filter(({ statement }) => !JSON.stringify(statement.Condition ?? {}).includes('"ForAllValues:StringLike":{"dynamodb:LeadingKeys"'));
    expect(unconfined).toEqual([]);
  });

  it('gives ping no permission beyond writing its own logs', () => {
    const { statements: s, managedPolicies } = statementsOf(template, fn('ping'));
    expect(managedPolicies).toEqual([]);
    expect(s.flatMap((st) => st.actions).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(s.flatMap((st) => st.resources)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(fn('ping').logGroup), 'Arn'] }]);
  });

  it('lets only $connect read the token secret, and $connect do nothing else but PutItem and logging', () => {
    const secretRef = { Ref: logicalIdOf(stack.realtime.tokenSecret) };
    for (const route of [...ROUTES, 'fanout-worker']) {
      const readers = resourcesFor(statements(route), 'secretsmanager:GetSecretValue');
      expect(readers, route).toEqual(route === '$connect' ? [secretRef] : []);
    }
    const connectActions = statements('$connect').flatMap((s) => s.actions).sort();
    expect(connectActions).toEqual(['dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue']);
  });

  it('scopes execute-api:ManageConnections to this API and stage, POST @connections only (no GET or DELETE: nothing reads or closes connections), never *', () => {
    const expectedArn = (method: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', apiRef(), `/prod/${method}/@connections/*`],
      ],
    });
    for (const route of [...ROUTES, 'fanout-worker']) {
      const granted = resourcesFor(statements(route), 'execute-api:ManageConnections');
      const needs = !['$connect', 'ping'].includes(route);
      if (!needs) {
        expect(granted, route).toEqual([]);
        continue;
      }
      expect(granted, route).toEqual([expectedArn('POST')]);
    }
  });

  it('lets exactly the fan-out callers invoke the worker, and only the worker', () => {
    for (const route of [...ROUTES, 'fanout-worker']) {
      const invoke = resourcesFor(statements(route), 'lambda:InvokeFunction');
      const expected = ['$disconnect', 'join', 'leave', 'push', '$default'].includes(route)
        ? [{ 'Fn::GetAtt': [logicalIdOf(stack.realtime.fanoutWorker), 'Arn'] }]
        : [];
      expect(invoke, route).toEqual(expected);
    }
  });

  it('has no wildcard action anywhere, no Resource * and no AWS managed policy on any function role', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
        const actions = ([] as string[]).concat(statement.Action);
        for (const action of actions) expect(action, id).not.toMatch(/\*/);
        for (const resource of ([] as unknown[]).concat(statement.Resource)) expect(resource, id).not.toBe('*');
      }
    }
    for (const route of [...ROUTES, 'fanout-worker']) expect(statementsOf(template, fn(route)).managedPolicies, route).toEqual([]);
  });
});

describe('fan-out worker asynchronous invoke', () => {
  const queueRef = () => ({ 'Fn::GetAtt': [logicalIdOf(stack.realtime.fanoutFailureQueue), 'Arn'] });

  it('drops events older than a minute, never retries, and sends failures to the on-failure queue', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(stack.realtime.fanoutWorker) },
      Qualifier: '$LATEST',
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: queueRef() } },
    });
  });

  it('keeps failures in an encrypted, TLS-only queue whose records expire after 7 days', () => {
    // This one, and the presence grace queue with its dead-letter queue (test/infra/presence-grace.test.ts).
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 7 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only the worker send to the queue, and only sqs:SendMessage', () => {
    for (const route of [...ROUTES, 'fanout-worker']) {
      const sqsActions = statements(route).filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
      if (route !== 'fanout-worker') {
        // $disconnect sends to the presence grace queue only (test/infra/presence-grace.test.ts).
        expect(sqsActions.filter((s) => JSON.stringify(s.resources) === JSON.stringify([queueRef()])), route).toEqual([]);
        continue;
      }
      expect(sqsActions.map((s) => ({ actions: s.actions, resources: s.resources }))).toEqual([{ actions: ['sqs:SendMessage'], resources: [queueRef()] }]);
    }
  });

  it('alarms as soon as one failure record is visible in the queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.realtime.fanoutFailureQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(stack.realtime.fanoutFailureAlarm.alarmArn).toBeDefined();
  });
});

describe('Management API endpoint', () => {
  it('gives every function that posts or records connections the endpoint built from the API id and region, not the domain', () => {
    const expected = { 'Fn::Join': ['', ['https://', apiRef(), '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']] };
    for (const route of [...ROUTES, 'fanout-worker']) {
      if (route === 'ping') expect(envOf(route), route).not.toHaveProperty('TOPICAST_MANAGEMENT_ENDPOINT');
      else expect(envOf(route).TOPICAST_MANAGEMENT_ENDPOINT, route).toEqual(expected);
    }
  });
});

describe('outputs', () => {
  it('exports the wss URL, the management endpoint, the secret ARN and the table name', () => {
    const stageUrl = (scheme: string) => ({
      'Fn::Join': ['', [`${scheme}://`, apiRef(), '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']],
    });
    template.hasOutput('WebSocketUrl', { Value: stageUrl('wss') });
    template.hasOutput('ManagementEndpoint', { Value: stageUrl('https') });
    template.hasOutput('TokenSecretArn', { Value: { Ref: logicalIdOf(stack.realtime.tokenSecret) } });
    template.hasOutput('TableName', { Value: { Ref: logicalIdOf(stack.realtime.table) } });
  });
});
