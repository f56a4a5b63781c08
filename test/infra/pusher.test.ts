/**
 * The `pusher` prop on Template.fromStack: the app secret in Secrets Manager (generated, never
 * in clear), Pusher's HTTP API behind a Function URL with auth NONE and the publisher's
 * grants plus that secret, the Pusher env on $connect and $default, a custom domain with the
 * multi-level mapping `app/{key}`, webhooks wired with retries and a dead-letter queue, the
 * endpoints as outputs; every role least-privilege; cdk-nag clean.
 */
import { describe, expect, it } from 'vitest';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RealtimeApi } from '../../lib/realtime-api.js';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { actionsWithPrefix, logicalIdOf, newApp, resourcesFor, statementsOf } from './helpers.js';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:111111111111:certificate/0d3c1f8e-1111-2222-3333-444455556666';

function pusherStack(pusher: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const stack = new TopicastStack(newApp({ bundling: false }), 'Topicast', {
    env: { account: '111111111111', region: 'eu-west-1' },
    realtime: { pusher: { appId: '1234', key: 'app-key', domainName: 'ws.example.com', webhooks: { url: 'https://backend.example.com/pusher/webhooks' }, ...pusher } as never, ...extra },
    pusherCertificateArn: CERTIFICATE,
  });
  return { stack, api: stack.realtime, template: Template.fromStack(stack) };
}

describe('RealtimeApi pusher prop', () => {
  it('is off by default: no Pusher function, secret, domain or outputs', () => {
    const stack = new TopicastStack(newApp({ bundling: false }), 'Topicast');
    const template = Template.fromStack(stack);
    expect(stack.realtime.pusherFunction).toBeUndefined();
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('PusherHttpHost');
    expect(JSON.stringify(template.toJSON())).not.toContain('TOPICAST_PUSHER');
  });

  it('generates the app secret in Secrets Manager and names it by ARN only', () => {
    const { api, template } = pusherStack();
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('Pusher app secret'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    const secretId = logicalIdOf(api.pusherSecret as secretsmanager.Secret);
    const env = (fn: unknown) => (template.toJSON().Resources[logicalIdOf(fn as never)].Properties.Environment.Variables as Record<string, unknown>);
    for (const fn of [api.pusherFunction, api.functions.$default, api.pusherWebhookFunction]) {
      expect(env(fn)).toMatchObject({ TOPICAST_PUSHER_APP_ID: '1234', TOPICAST_PUSHER_KEY: 'app-key', TOPICAST_PUSHER_SECRET_ARN: { Ref: secretId } });
    }
    // $connect knows the app (to greet Pusher clients) but never reads its secret.
    expect(env(api.functions.$connect)).toMatchObject({ TOPICAST_PUSHER_APP_ID: '1234', TOPICAST_PUSHER_KEY: 'app-key' });
    expect(env(api.functions.$connect).TOPICAST_PUSHER_SECRET_ARN).toBeUndefined();
    for (const fn of [api.pusherFunction, api.functions.$connect, api.functions.$default, api.pusherWebhookFunction]) expect(env(fn).TOPICAST_PUSHER_SECRET).toBeUndefined();
    for (const fn of [api.functions.join, api.functions.push, api.fanoutWorker, api.publishFunction]) expect(env(fn).TOPICAST_PUSHER_SECRET_ARN).toBeUndefined();
  });

  it('imports a secret that is given, and grants Decrypt of its key through Secrets Manager only', () => {
    const stack = new Stack(newApp({ bundling: false }), 'Given', { env: { account: '111111111111', region: 'eu-west-1' } });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:pusher-AbCdEf');
    const api = new RealtimeApi(stack, 'Realtime', { pusher: { appId: '1', key: 'k', secret } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1); // the token secret only
    expect(resourcesFor(statementsOf(template, api.pusherFunction!).statements, 'secretsmanager:GetSecretValue')).toEqual([secret.secretArn]);
  });

  it("serves Pusher's HTTP API on a Function URL with auth NONE, with the publisher's grants and the secret, nothing else", () => {
    const { api, template } = pusherStack();
    const pusherFunctionId = logicalIdOf(api.pusherFunction!);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [pusherFunctionId, 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(api.publishFunction), 'Arn'] } });
    const pusher = statementsOf(template, api.pusherFunction!).statements;
    const publish = statementsOf(template, api.publishFunction).statements;
    const channelIndex = (s: (typeof pusher)[number]) => JSON.stringify(s.conditions ?? null).includes('"x#*"');
    const withoutLogsAndSecret = (statements: typeof pusher) =>
      statements.filter((s) => !s.actions.some((a) => a.startsWith('logs:') || a.startsWith('secretsmanager:')) && !channelIndex(s)).map((s) => JSON.stringify({ ...s, actions: [...s.actions].sort() })).sort();
    expect(withoutLogsAndSecret(pusher)).toEqual(withoutLogsAndSecret(publish));
    // Beside them, GET /channels: the channel index, listed and tidied, nothing else of it.
    expect(pusher.filter(channelIndex).map((s) => ({ actions: [...s.actions].sort(), conditions: s.conditions }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:Query'], conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['x#*'] } } },
    ]);
    expect(actionsWithPrefix(pusher, 'secretsmanager:')).toEqual(['secretsmanager:GetSecretValue']);
    expect(resourcesFor(pusher, 'secretsmanager:GetSecretValue')).toEqual([{ Ref: logicalIdOf(api.pusherSecret as secretsmanager.Secret) }]);
    expect(pusher.every((s) => s.effect === 'Allow' && !s.actions.includes('*'))).toBe(true);
    // Only $default (where Pusher frames and their channel auth arrive) may read the app secret among the routes.
    const readers = Object.entries(api.functions).filter(([, fn]) => actionsWithPrefix(statementsOf(template, fn).statements, 'secretsmanager:').length > 0 && resourcesFor(statementsOf(template, fn).statements, 'secretsmanager:GetSecretValue').some((r) => JSON.stringify(r).includes(logicalIdOf(api.pusherSecret as secretsmanager.Secret))));
    expect(readers.map(([route]) => route).sort()).toEqual(['$default']);
  });

  it('lets the joining routes ($default, join) touch the channel index (UpdateItem x#) and no other function, only with the prop on', () => {
    const { api, template } = pusherStack();
    const indexActionsOf = (fn: Parameters<typeof statementsOf>[1]) =>
      statementsOf(template, fn).statements.filter((s) => JSON.stringify(s.conditions ?? null).includes('"x#*"')).flatMap((s) => s.actions).sort();
    const touching = Object.entries(api.functions).filter(([, fn]) => indexActionsOf(fn).length > 0);
    expect(touching.map(([route, fn]) => [route, indexActionsOf(fn)])).toEqual([
      ['join', ['dynamodb:UpdateItem']],
      ['$default', ['dynamodb:UpdateItem']],
    ]);
    expect(indexActionsOf(api.fanoutWorker)).toEqual([]);
    for (const fn of [...api.presenceFunctions, api.publishFunction, api.pusherWebhookFunction!]) expect(indexActionsOf(fn)).toEqual([]);
    // The join route learns it keeps the index from the app id, and gets nothing else of Pusher's.
    const joinEnv = template.toJSON().Resources[logicalIdOf(api.functions.join)].Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(joinEnv).filter((name) => name.startsWith('TOPICAST_PUSHER'))).toEqual(['TOPICAST_PUSHER_APP_ID']);

    const plain = Template.fromStack(new TopicastStack(newApp({ bundling: false }), 'Plain'));
    expect(JSON.stringify(plain.toJSON())).not.toContain('x#*');
  });

  it('lets whatever announces Pusher presence (join, $default, the stream readers) claim member_added: pm# items and the previous announcer\'s t# row', () => {
    const { api, template } = pusherStack();
    const claimActionsOf = (fn: Parameters<typeof statementsOf>[1]) =>
      statementsOf(template, fn).statements.filter((s) => JSON.stringify(s.conditions ?? null).includes('"pm#*"')).flatMap((s) => s.actions).sort();
    for (const fn of [api.functions.join, api.functions.$default, ...api.presenceFunctions]) expect(claimActionsOf(fn)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    for (const fn of [api.functions.$connect, api.functions.$disconnect, api.functions.leave, api.functions.push, api.fanoutWorker, api.publishFunction, api.pusherFunction!]) expect(claimActionsOf(fn)).toEqual([]);
    const presenceGetItem = statementsOf(template, api.presenceFunctions[0]!).statements.find((s) => s.actions.length === 1 && s.actions[0] === 'dynamodb:GetItem' && JSON.stringify(s.conditions ?? null).includes('"t#*"'));
    expect(presenceGetItem).toBeDefined();
    const plain = Template.fromStack(new TopicastStack(newApp({ bundling: false }), 'Plain'));
    expect(JSON.stringify(plain.toJSON())).not.toContain('pm#*');
  });

  it('maps app/{key} on the custom domain to the WebSocket stage, as pusher-js connects to /app/{key}', () => {
    const { api, template } = pusherStack();
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'ws.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiMappingKey: 'app/app-key',
      ApiId: { Ref: logicalIdOf(api.webSocketApi) },
      Stage: 'prod',
    });
  });

  it('sends webhooks from occupied/vacated of every topic and joined/left of presence- topics, retried, then dead-lettered', () => {
    const { api, template } = pusherStack();
    const webhookFunctionArn = { 'Fn::GetAtt': [logicalIdOf(api.pusherWebhookFunction!), 'Arn'] };
    const queueArn = { 'Fn::GetAtt': [logicalIdOf(api.pusherWebhookFailureQueue!), 'Arn'] };
    const target = [Match.objectLike({ Arn: webhookFunctionArn, DeadLetterConfig: { Arn: queueArn }, RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 } })];
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['topicast'], 'detail-type': ['occupied', 'vacated'] }, Targets: target });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['topicast'], 'detail-type': ['joined', 'left'], detail: { topic: [{ prefix: 'presence-' }] } },
      Targets: target,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(api.pusherWebhookFunction!) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    // Webhooks turned lifecycle events on.
    expect(api.eventBus).toBeDefined();
    const statements = statementsOf(template, api.pusherWebhookFunction!).statements;
    expect(actionsWithPrefix(statements, 'dynamodb:')).toEqual(['dynamodb:Query']);
    expect(statements.find((s) => s.actions.includes('dynamodb:Query'))?.conditions).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['t#*'] } });
    expect(actionsWithPrefix(statements, 'sqs:')).toEqual(['sqs:SendMessage']);
    expect(actionsWithPrefix(statements, 'execute-api:')).toEqual([]);
    expect(Object.keys(template.toJSON().Resources[logicalIdOf(api.pusherWebhookFunction!)].Properties.Environment.Variables)).toContain('TOPICAST_PUSHER_WEBHOOK_URL');
  });

  it('outputs the endpoints and the secret ARN', () => {
    const { template } = pusherStack();
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['PusherAppId', 'PusherKey', 'PusherSecretArn', 'PusherHttpHost', 'PusherWebSocketHost', 'PusherDomainTarget', 'PusherWebhookFailuresQueueUrl']));
    expect(outputs.PusherWebSocketHost!.Value).toEqual({ Ref: expect.stringMatching(/PusherDomain/) });
    expect(JSON.stringify(outputs.PusherHttpHost!.Value)).toMatch(/PusherApiFunctionUrl.*FunctionUrl/);
  });

  it('refuses bad props all at once', () => {
    const stack = new Stack(newApp({ bundling: false }), 'Bad');
    expect(
      () =>
        new RealtimeApi(stack, 'Realtime', {
          pusher: { appId: 'a/b', key: '', domainName: 'ws.example.com', webhooks: { url: 'ftp://x', retryAttempts: 3, maxEventAge: Duration.seconds(10) } },
        }),
    ).toThrow(/pusher\.appId must be[\s\S]*pusher\.key must be[\s\S]*domainName and pusher\.certificate go together[\s\S]*webhooks\.url[\s\S]*retryAttempts[\s\S]*maxEventAge/);
    expect(() => new RealtimeApi(new Stack(newApp({ bundling: false }), 'Fine'), 'R', { pusher: { appId: '1', key: 'k', domainName: 'a.b', certificate: acm.Certificate.fromCertificateArn(stack, 'C', CERTIFICATE) } })).not.toThrow();
  });

  it('passes cdk-nag with every part of the prop on', () => {
    const { stack } = pusherStack();
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`)).toEqual([]);
  });
});
