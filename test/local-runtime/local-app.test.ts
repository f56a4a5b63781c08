/**
 * The local model of a template: intrinsics resolved to local names and ARNs, and the
 * resources the runtime serves read as CloudFormation defines them.
 */
import { describe, expect, it } from 'vitest';
import type { AssemblyStack, Template } from '../../local-runtime/assembly/cloud-assembly.js';
import { buildLocalApp } from '../../local-runtime/assembly/local-app.js';

/** A template as written here (plain objects) as the assembly reader hands it over. */
function stackOf(template: unknown): AssemblyStack {
  return { stackName: 'Demo', template: template as Template, assemblyDir: '/nowhere', assetDirs: new Map() };
}

const fn = (environment: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Code: { ZipFile: 'exports.handler = async () => ({})' }, Handler: 'index.handler', Runtime: 'nodejs22.x', Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Environment: { Variables: environment }, ...extra },
});

describe('buildLocalApp', () => {
  it('resolves Ref, GetAtt, Join, Sub, Select and Split in environments to the local resources', () => {
    const app = buildLocalApp([
      stackOf({
        Parameters: { Mode: { Type: 'String', Default: 'dev' } },
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] } },
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'my-bus' } },
          Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Chat', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.type' } },
          Worker: fn({}, { FunctionName: 'worker', Timeout: 60, MemorySize: 1024 }),
          Handler: fn({
            TABLE: { Ref: 'Table' },
            TABLE_ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
            WORKER: { Ref: 'Worker' },
            BUS: { 'Fn::GetAtt': ['Bus', 'Arn'] },
            MODE: { Ref: 'Mode' },
            ENDPOINT: { 'Fn::Join': ['', ['https://', { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/prod']] },
            SUBBED: { 'Fn::Sub': 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod/POST/@connections/*' },
            SECOND: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
          }),
        },
      }),
    ]);
    const handler = app.functions.find((candidate) => candidate.logicalId === 'Handler');
    const [api] = app.apis;
    expect(api).toMatchObject({ name: 'Chat', routeSelectionExpression: '$request.body.type', awsHost: `${api?.apiId ?? ''}.execute-api.us-east-1.amazonaws.com` });
    expect(handler?.environment).toEqual({
      TABLE: 'Demo-Table',
      TABLE_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/Demo-Table',
      WORKER: 'worker',
      BUS: 'arn:aws:events:us-east-1:000000000000:event-bus/my-bus',
      MODE: 'dev',
      ENDPOINT: `https://${api?.apiId ?? ''}.execute-api.us-east-1.amazonaws.com/prod`,
      SUBBED: `arn:aws:execute-api:us-east-1:000000000000:${api?.apiId ?? ''}/prod/POST/@connections/*`,
      SECOND: 'b',
    });
    expect(handler).toMatchObject({ timeoutSeconds: 3, memoryMb: 128, roleArn: 'arn:aws:iam::000000000000:role/Demo-Role' });
    expect(app.functions.find((candidate) => candidate.logicalId === 'Worker')).toMatchObject({ functionName: 'worker', timeoutSeconds: 60, memoryMb: 1024 });
  });

  it('reads tables with their indexes, TTL and stream, the stream mappings with their filters, and async invoke settings', () => {
    const app = buildLocalApp([
      stackOf({
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Reader: fn({}),
          Table: {
            Type: 'AWS::DynamoDB::Table',
            Properties: {
              TableName: 'things',
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
              AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'g', AttributeType: 'S' }],
              GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
              TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
              StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
            },
          },
          Mapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
              FunctionName: { Ref: 'Reader' },
              BatchSize: 50,
              MaximumBatchingWindowInSeconds: 2,
              FunctionResponseTypes: ['ReportBatchItemFailures'],
              MaximumRetryAttempts: 3,
              FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"t#"}]}}}}' }] },
            },
          },
          Async: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Reader' }, Qualifier: '$LATEST', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
        },
      }),
    ]);
    expect(app.tables).toEqual([
      expect.objectContaining({
        tableName: 'things',
        ttlAttribute: 'ttl',
        streamViewType: 'NEW_AND_OLD_IMAGES',
        streamArn: expect.stringMatching(/^arn:aws:dynamodb:us-east-1:000000000000:table\/things\/stream\//),
        createTable: expect.objectContaining({ GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }] }),
      }),
    ]);
    expect(app.eventSourceMappings).toEqual([
      expect.objectContaining({
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Demo-Reader',
        eventSourceArn: app.tables[0]?.streamArn,
        batchSize: 50,
        maximumBatchingWindowSeconds: 2,
        reportBatchItemFailures: true,
        maximumRetryAttempts: 3,
        filters: [{ dynamodb: { Keys: { pk: { S: [{ prefix: 't#' }] } } } }],
      }),
    ]);
    expect(app.invokeConfigs).toEqual([{ functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Demo-Reader', maximumRetryAttempts: 0, maximumEventAgeSeconds: 60, onFailureDestination: undefined }]);
  });

  it('marks two-way routes and names the routes it cannot serve', () => {
    const integration = (type: string, uri: unknown) => ({ Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, IntegrationType: type, IntegrationUri: uri } });
    const routeTo = (key: string, target: string, extra: Record<string, unknown> = {}) => ({
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: { ApiId: { Ref: 'Api' }, RouteKey: key, Target: { 'Fn::Join': ['', ['integrations/', { Ref: target }]] }, ...extra },
    });
    const lambdaUri = { 'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Handler', 'Arn'] }, '/invocations']] };
    const app = buildLocalApp([
      stackOf({
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Handler: fn({}),
          Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'A', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' } },
          Lambda: integration('AWS_PROXY', lambdaUri),
          // A MOCK integration whose template is VTL: the emulation evaluates static templates only.
          Mock: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, IntegrationType: 'MOCK', TemplateSelectionExpression: '\\$default', RequestTemplates: { $default: '#set($code = 200){"statusCode":$code}' } } },
          Static: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { ApiId: { Ref: 'Api' }, IntegrationType: 'MOCK', TemplateSelectionExpression: '\\$default', RequestTemplates: { $default: '{"statusCode":200}' } } },
          StaticResponse: {
            Type: 'AWS::ApiGatewayV2::IntegrationResponse',
            Properties: { ApiId: { Ref: 'Api' }, IntegrationId: { Ref: 'Static' }, IntegrationResponseKey: '$default', ResponseTemplates: { $default: '{"pong":true}' } },
          },
          Answered: routeTo('answered', 'Static', { RouteResponseSelectionExpression: '$default' }),
          AnsweredResponse: { Type: 'AWS::ApiGatewayV2::RouteResponse', Properties: { ApiId: { Ref: 'Api' }, RouteId: { Ref: 'Answered' }, RouteResponseKey: '$default' } },
          Echo: routeTo('echo', 'Lambda'),
          EchoResponse: { Type: 'AWS::ApiGatewayV2::RouteResponse', Properties: { ApiId: { Ref: 'Api' }, RouteId: { Ref: 'Echo' }, RouteResponseKey: '$default' } },
          Fire: routeTo('fire', 'Lambda'),
          Mocked: routeTo('mocked', 'Mock'),
          Guarded: routeTo('$connect', 'Lambda', { AuthorizationType: 'CUSTOM' }),
          Http: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'Rest', ProtocolType: 'HTTP' } },
        },
      }),
    ]);
    expect(app.apis).toHaveLength(1);
    const routes = Object.fromEntries((app.apis[0]?.routes ?? []).map((route) => [route.routeKey, route]));
    expect(routes.echo).toMatchObject({ twoWay: true, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Demo-Handler', unsupported: undefined });
    expect(routes.fire).toMatchObject({ twoWay: false, unsupported: undefined });
    expect(routes.mocked?.unsupported).toMatch(/MOCK integration is not emulated/);
    expect(routes.answered).toMatchObject({ twoWay: true, unsupported: undefined, mock: { requestTemplates: { $default: '{"statusCode":200}' }, routeResponseSelectionExpression: '$default' } });
    expect(routes.answered?.mock?.integrationResponses).toEqual([{ integrationResponseKey: '$default', responseTemplates: { $default: '{"pong":true}' } }]);
    expect(routes.$connect?.unsupported).toMatch(/CUSTOM authorization/);
    expect(app.warnings).toHaveLength(2);
  });
});
