/**
 * RealtimeApi with non-default props (one synthesis, bundling skipped) and prop validation
 * (which throws before any function is created, so it costs no synthesis).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RealtimeApi, type RealtimeApiProps } from '../../lib/realtime-api.js';
import { buildRuntimeConfig, validateProps } from '../../lib/realtime-api-defaults.js';
import { logicalIdOf, newApp, resourcesFor, statementsOf } from './helpers.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:topicast/hs256-AbCdEf';

const PROPS = {
  stageName: 'dev',
  auth: 'optional',
  jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
  tokenIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  tokenAudience: 'client-123',
  allowedOrigins: ['https://app.example.com'],
  presenceDisabled: ['broadcast:*'],
  limits: { maxPayloadBytes: 8192, maxTopicsPerConnection: 20 },
  topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] }, allowAnonymous: false }],
  sharding: [{ pattern: 'broadcast:*', shards: 8 }],
  fanout: { workerThreshold: 200 },
  memorySize: 512,
  routeTimeout: Duration.seconds(20),
  logRetention: logs.RetentionDays.ONE_MONTH,
  removalPolicy: RemovalPolicy.DESTROY,
  deletionProtection: true,
  throttle: { burstLimit: 50, rateLimit: 100 },
  createAccountCloudWatchRole: false,
  // Posts through a custom domain's base path mapping instead of the execute-api host.
  managementEndpoint: 'https://ws.example.com/chat',
} satisfies RealtimeApiProps;

let stack: Stack;
let api: RealtimeApi;
let template: Template;

beforeAll(() => {
  const app = newApp({ bundling: false });
  stack = new Stack(app, 'Custom', { env: { account: '123456789012', region: 'eu-west-1' } });
  api = new RealtimeApi(stack, 'Chat', {
    ...PROPS,
    tokenSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', SECRET_ARN),
  });
  template = Template.fromStack(stack);
});

const env = (construct: RealtimeApi['fanoutWorker']): Record<string, unknown> =>
  (template.toJSON().Resources[logicalIdOf(construct)].Properties.Environment?.Variables ?? {}) as Record<string, unknown>;

describe('RealtimeApi with custom props', () => {
  it('writes the runtime config into TOPICAST_CONFIG of every function, with only the keys that were set', () => {
    const expected = {
      auth: 'optional',
      allowedOrigins: ['https://app.example.com'],
      limits: { maxPayloadBytes: 8192, maxTopicsPerConnection: 20 },
      presenceDisabled: ['broadcast:*'],
      topicRules: [{ pattern: 'admin:*', claims: { role: ['admin'] }, allowAnonymous: false }],
      sharding: [{ pattern: 'broadcast:*', shards: 8 }],
      fanout: { workerThreshold: 200 },
    };
    for (const fn of [...Object.values(api.functions), api.fanoutWorker]) {
      expect(JSON.parse(env(fn).TOPICAST_CONFIG as string), fn.node.path).toEqual(expected);
    }
  });

  it('gives $connect the JWKS URL, issuer, audience and the imported secret, and no one else', () => {
    expect(env(api.functions.$connect)).toMatchObject({
      TOPICAST_JWKS_URL: PROPS.jwksUrl,
      TOPICAST_TOKEN_ISSUER: PROPS.tokenIssuer,
      TOPICAST_TOKEN_AUDIENCE: PROPS.tokenAudience,
      TOPICAST_TOKEN_SECRET_ARN: SECRET_ARN,
    });
    expect(resourcesFor(statementsOf(template, api.functions.$connect).statements, 'secretsmanager:GetSecretValue')).toEqual([SECRET_ARN]);
    for (const fn of [api.functions.join, api.functions.$default, api.fanoutWorker]) {
      expect(env(fn).TOPICAST_JWKS_URL).toBeUndefined();
      expect(env(fn).TOPICAST_TOKEN_SECRET_ARN).toBeUndefined();
    }
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(api.tokenSecret.secretArn).toBe(SECRET_ARN);
  });

  it('applies stage name, throttling, memory, timeout, retention, removal policy and deletion protection', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'dev',
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 100 },
    });
    const functions = template.findResources('AWS::Lambda::Function');
    for (const [id, f] of Object.entries(functions)) {
      const grace = id === logicalIdOf(api.presenceGraceFunction);
      const light = grace || id === logicalIdOf(api.functions.$connect) || id === logicalIdOf(api.functions.ping);
      // memorySize without routeMemorySize applies to the message routes too; the functions that never fan out keep 256 MB.
      expect(f.Properties.MemorySize, id).toBe(light ? 256 : 512);
      // The fan-out worker and the presence stream reader are not behind API Gateway's 29 s: they keep their 60 s.
      // The grace timer's function deletes one held row per message: its 10 s is not a route timeout either.
      const background = [api.fanoutWorker, ...api.presenceFunctions].some((fn) => id === logicalIdOf(fn));
      expect(f.Properties.Timeout, id).toBe(grace ? 10 : background ? 60 : 20);
    }
    for (const [id, g] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
      expect(g.Properties.RetentionInDays, id).toBe(30);
      expect(g.DeletionPolicy, id).toBe('Delete');
    }
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: true } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('scopes ManageConnections to the dev stage in the stack account and region', () => {
    const granted = resourcesFor(statementsOf(template, api.functions.push).statements, 'execute-api:ManageConnections');
    expect(JSON.stringify(granted)).toContain(':execute-api:eu-west-1:123456789012:');
    expect(JSON.stringify(granted)).toContain('/dev/POST/@connections/*');
    expect(JSON.stringify(granted)).not.toMatch(/\/(GET|DELETE)\/@connections/);
    expect(JSON.stringify(granted)).not.toContain('/prod/');
    expect(api.webSocketUrl).toContain('/dev');
  });

  it('posts to the managementEndpoint prop when given: every function but ping gets it', () => {
    expect(api.managementEndpoint).toBe('https://ws.example.com/chat');
    for (const route of ['$connect', '$disconnect', 'join', 'leave', 'push', '$default'] as const) {
      expect(env(api.functions[route]).TOPICAST_MANAGEMENT_ENDPOINT, route).toBe('https://ws.example.com/chat');
    }
    expect(env(api.fanoutWorker).TOPICAST_MANAGEMENT_ENDPOINT).toBe('https://ws.example.com/chat');
    expect(env(api.functions.ping)).not.toHaveProperty('TOPICAST_MANAGEMENT_ENDPOINT');
  });

  it('still passes the AwsSolutions checks (its acknowledgments follow the stage name and account)', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('RealtimeApi memory', () => {
  it('gives routeMemorySize to the message routes and keeps the fan-out functions at their default', () => {
    // Prepare / Act
    const stack = new Stack(newApp({ bundling: false }), 'M');
    const api = new RealtimeApi(stack, 'Api', { routeMemorySize: 512 });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { MemorySize?: number } }>;
    const memoryOf = (construct: Parameters<typeof logicalIdOf>[0]) => resources[logicalIdOf(construct)]?.Properties.MemorySize;

    // Assess
    for (const route of ['join', 'leave', 'push', '$default', '$disconnect'] as const) expect(memoryOf(api.functions[route]), route).toBe(512);
    expect(memoryOf(api.fanoutWorker)).toBe(1024);
    expect(memoryOf(api.publishFunction)).toBe(1024);
    for (const fn of api.presenceFunctions) expect(memoryOf(fn)).toBe(1024);
    expect(memoryOf(api.functions.$connect)).toBe(256);
  });
});

describe('RealtimeApi prop validation', () => {
  const build = (props: RealtimeApiProps) => () => new RealtimeApi(new Stack(newApp({ bundling: false }), 'V'), 'Api', props);

  it.each<[string, RealtimeApiProps, RegExp]>([
    ['a bad stage name', { stageName: 'prod/v1' }, /stageName/],
    ['too little memory', { memorySize: 64 }, /memorySize/],
    ['too little route memory', { routeMemorySize: 100 }, /routeMemorySize must be an integer from 128 to 10240/],
    ['a route timeout beyond API Gateway’s 29 s', { routeTimeout: Duration.seconds(30) }, /routeTimeout/],
    ['a plain-http JWKS URL', { jwksUrl: 'http://example.com/jwks.json' }, /jwksUrl must be an https:\/\/ URL/],
    ['a plain-http JWKS URL on a host named like a loopback one', { jwksUrl: 'http://127.0.0.1.example.com/jwks.json' }, /jwksUrl must be an https:\/\/ URL/],
    ['an unknown auth mode', { auth: 'maybe' as never }, /auth must be one of/],
    ['a zero limit', { limits: { maxPayloadBytes: 0 } }, /maxPayloadBytes/],
    ['too many shards', { sharding: [{ pattern: 'big:*', shards: 1000 }] }, /sharding/],
    ['a negative throttle', { throttle: { rateLimit: -1 } }, /throttle\.rateLimit/],
    ['an empty origin', { allowedOrigins: [''] }, /allowedOrigins\.0 must be a non-empty origin/],
    ['a connection TTL given as a string', { connectionTtlSeconds: '7500' as never }, /connectionTtlSeconds must be an integer from 7260/],
    ['a connection TTL shorter than API Gateway’s 2 h', { connectionTtlSeconds: 3600 }, /connectionTtlSeconds must be an integer from 7260/],
    ['a management endpoint that is not a URL', { managementEndpoint: 'chat.example.com/prod' }, /managementEndpoint must be an http\(s\):\/\/ URL/],
    ['a limit of the wrong type', { limits: { maxTopicsPerConnection: '5' as never } }, /limits\.maxTopicsPerConnection must be an integer/],
  ])('rejects %s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  it.each(['http://localhost:8080/jwks.json', 'http://127.0.0.1:9000/.well-known/jwks.json', 'http://[::1]:8080/jwks.json'])(
    'accepts a plain-http JWKS URL on a loopback host (%s), which only a local runtime reaches, and warns at synthesis',
    (jwksUrl) => {
      // Act
      const stack = new Stack(newApp({ bundling: false }), 'L');
      new RealtimeApi(stack, 'Api', { jwksUrl });

      // Assess
      const warnings = stack.node.findAll().flatMap((node) => node.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data)));
      expect(warnings).toEqual([expect.stringContaining(`jwksUrl ${jwksUrl} is on a loopback host`)]);
    },
  );

  it('accepts the defaults and reports every problem at once', () => {
    expect(validateProps({})).toEqual([]);
    expect(validateProps({ stageName: 'a b', memorySize: 1 })).toHaveLength(2);
  });

  it('defaults auth to required and leaves unset keys out of the runtime config', () => {
    expect(buildRuntimeConfig({})).toEqual({ auth: 'required' });
    expect(buildRuntimeConfig({ auth: 'none', presenceDisabled: ['x:*'] })).toEqual({ auth: 'none', presenceDisabled: ['x:*'] });
  });
});
