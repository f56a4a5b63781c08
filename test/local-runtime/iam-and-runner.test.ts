/**
 * The local runtime on a small hand-written assembly (no synthesis: a template as CDK
 * writes one, inline code): IAM decisions as DynamoDB and Lambda make them, including a
 * `dynamodb:LeadingKeys` condition, and functions run as Lambda runs them (own
 * environment variables and module state, timeout ending the environment, memory in the
 * context). Every call goes from a real function process through the SDK to the endpoint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalRuntime, type LocalRuntime } from '../../local-runtime/runtime.js';
import { lambdaRoute } from '../support/websocket-template.js';

// One function that does what the frame asks and answers on a two-way route.
const PROBE_CODE = `
const { DynamoDBClient, PutItemCommand, ScanCommand } = require('@aws-sdk/client-dynamodb');
const ddb = new DynamoDBClient({});
let invocations = 0;
exports.handler = async (event, context) => {
  invocations += 1;
  const { op, key } = JSON.parse(event.body);
  const facts = { invocations, memory: context.memoryLimitInMB, flavour: process.env.FLAVOUR, remaining: context.getRemainingTimeInMillis() > 0, url: process.env.URL, path: event.rawPath };
  if (op === 'sleep') await new Promise((resolve) => setTimeout(resolve, 5000));
  try {
    if (op === 'put') await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: key } } }));
    if (op === 'scan') await ddb.send(new ScanCommand({ TableName: process.env.TABLE }));
    if (op === 'secret') {
      const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
      facts.secret = (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env[key] }))).SecretString;
    }
    return { statusCode: 200, body: JSON.stringify({ ok: true, ...facts }) };
  } catch (error) {
    return { statusCode: 200, body: JSON.stringify({ ok: false, error: error.name, message: error.message, status: error.$metadata && error.$metadata.httpStatusCode, ...facts }) };
  }
};`;

const tableArn = { 'Fn::GetAtt': ['Table', 'Arn'] };

// Reads the table's stream: writes one `seen#` item per record it gets (which its filter keeps out).
const READER_CODE = `
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const ddb = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const pk = record.dynamodb.Keys.pk.S;
    const ttl = record.userIdentity && record.userIdentity.principalId === 'dynamodb.amazonaws.com' ? '#ttl' : '';
    await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: 'seen#' + record.eventName + '#' + pk + ttl }, old: { S: record.dynamodb.OldImage ? 'old' : '' } } }));
  }
  return { batchItemFailures: [] };
};`;

function probeFunction(flavour: string, role: string, timeout: number) {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: { ZipFile: PROBE_CODE },
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: timeout,
      MemorySize: 512,
      Role: { 'Fn::GetAtt': [role, 'Arn'] },
      Environment: { Variables: { TABLE: { Ref: 'Table' }, FLAVOUR: flavour, SECRET: { Ref: 'Secret' }, GIVEN: { Ref: 'GivenSecret' }, URL: { 'Fn::GetAtt': ['OpenUrl', 'FunctionUrl'] } } },
    },
  };
}

function route(key: string, fn: string) {
  return lambdaRoute(key, fn, { twoWay: true });
}

const role = (statements: unknown[]) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }], Version: '2012-10-17' },
    Policies: [{ PolicyName: 'inline', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
  },
});

const TEMPLATE = {
  Resources: {
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
      },
    },
    ReaderRole: role([{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn }]),
    Reader: {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { ZipFile: READER_CODE }, Handler: 'index.handler', Runtime: 'nodejs22.x', Timeout: 10, Role: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] }, Environment: { Variables: { TABLE: { Ref: 'Table' } } } },
    },
    ReaderMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
        FunctionName: { Ref: 'Reader' },
        StartingPosition: 'LATEST',
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 'kv#' }] } } } }) }] },
      },
    },
    // May write only items whose partition key starts with kv#, and may not scan.
    KvRole: role([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['kv#*'] } } },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'GivenSecret' } },
    ]),
    ScanRole: role([
      { Effect: 'Allow', Action: ['dynamodb:Scan', 'dynamodb:PutItem'], Resource: tableArn },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'Secret' } },
    ]),
    // Generated at start, as CloudFormation generates it; the other's value is given to the runtime.
    Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true } } },
    // Function URLs: one anyone may call, one only for signed requests a role allows.
    OpenUrl: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['ScanFunction', 'Arn'] }, AuthType: 'NONE' } },
    IamUrl: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['KvFunction', 'Arn'] }, AuthType: 'AWS_IAM' } },
    GivenSecret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'probe/given', GenerateSecretString: {} } },
    KvFunction: probeFunction('kv', 'KvRole', 2),
    ScanFunction: probeFunction('scan', 'ScanRole', 10),
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Probe', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' } },
    Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: 'dev', AutoDeploy: true } },
    ...route('kv', 'KvFunction'),
    ...route('scan', 'ScanFunction'),
  },
};

function writeAssembly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'topicast-probe-assembly-'));
  writeFileSync(join(dir, 'Probe.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts: { Probe: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Probe.template.json' } } } }));
  return dir;
}

describe('the local runtime on a hand-written template', () => {
  const lines: string[] = [];
  let runtime: LocalRuntime;
  let ws: WebSocket;
  const answers: Record<string, unknown>[] = [];
  let waiter: (() => void) | undefined;

  async function ask(action: string, op: string, key?: string): Promise<Record<string, unknown>> {
    const before = answers.length;
    ws.send(JSON.stringify({ action, op, key }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${action} ${op}`)), 30_000);
      waiter = () => {
        if (answers.length > before) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    return answers[before] as Record<string, unknown>;
  }

  beforeAll(async () => {
    runtime = await startLocalRuntime({ assemblyDir: writeAssembly(), port: 0, quiet: true, write: (line) => lines.push(line), secretValues: { 'probe/given': 'given-value' } });
    ws = new WebSocket(`${runtime.apis[0]?.url ?? ''}/dev`);
    ws.on('message', (data) => {
      answers.push(JSON.parse(String(data)) as Record<string, unknown>);
      waiter?.();
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  });
  afterAll(async () => {
    ws?.close();
    await runtime?.end();
  });

  it('allows a write whose leading key the condition admits, and denies one it does not, as DynamoDB does', async () => {
    expect(await ask('kv', 'put', 'kv#color')).toMatchObject({ ok: true });
    expect(await ask('kv', 'put', 'conn#1')).toMatchObject({ ok: false, error: 'AccessDeniedException', status: 400 });
    expect(lines.some((line) => /^AccessDenied: .*assumed-role\/Probe-KvRole\/Probe-KvFunction is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/Probe-Table$/.test(line))).toBe(true);
  });

  it('serves GetSecretValue of the template’s secrets to the roles granted them: a generated value, a given one; AccessDenied for the others', async () => {
    const generated = await ask('scan', 'secret', 'SECRET');
    expect(generated).toMatchObject({ ok: true, secret: expect.stringMatching(/^[A-Za-z0-9]{40}$/) });
    expect(await ask('scan', 'secret', 'SECRET')).toMatchObject({ ok: true, secret: generated.secret });
    expect(await ask('kv', 'secret', 'GIVEN')).toMatchObject({ ok: true, secret: 'given-value' });
    expect(await ask('scan', 'secret', 'GIVEN')).toMatchObject({ ok: false, error: 'AccessDeniedException', status: 400 });
    expect(lines.some((line) => /^AccessDenied: User: \S+ScanRole\S* is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:000000000000:secret:probe\/given-\w{6}$/.test(line))).toBe(true);
  });

  it('serves Function URLs: payload 2.0 events, the result as the response; AWS_IAM refuses what is not signed by credentials it knows', async () => {
    const open = runtime.functionUrls.find((url) => url.logicalId === 'OpenUrl');
    const iam = runtime.functionUrls.find((url) => url.logicalId === 'IamUrl');
    expect(open?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const answer = await fetch(`${open?.url ?? ''}some/path?x=1`, { method: 'POST', body: JSON.stringify({ op: 'none' }) });
    expect(answer.status).toBe(200);
    // The URL in a function's environment is the local one (https on the same port, as AWS's is https).
    expect(await answer.json()).toMatchObject({ ok: true, flavour: 'scan', path: '/some/path', url: (open?.url ?? '').replace('http:', 'https:') });
    expect((await fetch(iam?.url ?? '', { method: 'POST', body: JSON.stringify({ op: 'none' }) })).status).toBe(403);
    const wronglySigned = await fetch(iam?.url ?? '', {
      method: 'POST',
      body: '{}',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}` },
    });
    expect(wronglySigned.status).toBe(403);
  });

  it('denies an action the role does not grant, and allows it to a role that does', async () => {
    expect(await ask('kv', 'scan')).toMatchObject({ ok: false, error: 'AccessDeniedException' });
    expect(await ask('scan', 'scan')).toMatchObject({ ok: true });
  });

  it('runs each function in its own environment: its variables, its module state, its memory in the context', async () => {
    const scan = await ask('scan', 'none');
    const kv = await ask('kv', 'none');
    expect(scan).toMatchObject({ flavour: 'scan', memory: '512', remaining: true });
    expect(kv).toMatchObject({ flavour: 'kv', memory: '512' });
    // Warm reuse: the module-level counter goes on within one function only.
    expect((await ask('scan', 'none')).invocations).toBe((scan.invocations as number) + 1);
  });

  it('ends an environment that runs past its timeout: the client gets the error frame and the next call is a cold start', async () => {
    const timedOut = await ask('kv', 'sleep');
    expect(timedOut).toMatchObject({ message: 'Internal server error' });
    expect(await ask('kv', 'none')).toMatchObject({ ok: true, invocations: 1 });
    expect(lines.some((line) => line.includes('Task timed out after 2.00 seconds'))).toBe(true);
  });

  it('streams the table’s changes to its event source mapping, filtered, TTL deletions marked as DynamoDB’s', async () => {
    const client = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      expect(await ask('kv', 'put', 'kv#streamed')).toMatchObject({ ok: true });
      expect(await ask('scan', 'put', 'other#ignored')).toMatchObject({ ok: true });
      // An item already past its TTL: the sweep deletes it as DynamoDB's TTL would.
      await client.send(new PutItemCommand({ TableName: 'Probe-Table', Item: { pk: { S: 'kv#expired' }, expires: { N: '1' } } }));
      expect(await runtime.sweep()).toBe(1);
      await runtime.flushStreams();
      const { Items } = await client.send(new ScanCommand({ TableName: 'Probe-Table' }));
      const seen = (Items ?? []).map((item) => item.pk?.S ?? '').filter((pk) => pk.startsWith('seen#')).sort();
      // The direct put bypassed the endpoint (no INSERT for it); its TTL deletion is recorded.
      expect(seen).toEqual(['seen#INSERT#kv#color', 'seen#INSERT#kv#streamed', 'seen#REMOVE#kv#expired#ttl']);
    } finally {
      client.destroy();
    }
  });

  it('refuses an unsigned or wrongly signed request at the endpoint', async () => {
    const http = runtime.awsEndpoint;
    const unsigned = await fetch(http, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect(unsigned.status).toBe(426);
    const forged = await fetch(http, {
      method: 'POST',
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-date': '20261207T000000Z',
        authorization: `AWS4-HMAC-SHA256 Credential=ASIAFORGED/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: '{}',
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
  });
});
