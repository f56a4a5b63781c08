/**
 * The construct's `history` prop: it reaches the functions' TOPICAST_CONFIG, is validated
 * at synth, and grants the functions that publish or replay (and `grantPublish` grantees)
 * access to the table's h# items only; without it, no function gets that grant.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_FUNCTIONS } from '../../lib/history-access.js';
import { RealtimeApi } from '../../lib/realtime-api.js';
import type { FunctionName } from '../../lib/realtime-api-defaults.js';
import { logicalIdOf, newApp, statementsOf } from './helpers.js';

let stack: Stack;
let api: RealtimeApi;
let template: Template;
let role: iam.Role;

beforeAll(() => {
  stack = new Stack(newApp({ bundling: false }), 'History');
  api = new RealtimeApi(stack, 'Api', { history: { 'room:*': { maxMessages: 50, ttlSeconds: 600 } } });
  role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  api.grantPublish(role);
  template = Template.fromStack(stack);
});

const fn = (name: FunctionName) =>
  name === 'fanout-worker' ? api.fanoutWorker : name === 'publish' ? api.publishFunction : name === 'presence' ? api.presenceFunctions[0]! : name === 'presence-grace' ? api.presenceGraceFunction : api.functions[name];
const historyStatements = (name: FunctionName, on: Template = template, realtime: RealtimeApi = api) =>
  statementsOf(on, name === 'fanout-worker' ? realtime.fanoutWorker : name === 'publish' ? realtime.publishFunction : name === 'presence' ? realtime.presenceFunctions[0]! : name === 'presence-grace' ? realtime.presenceGraceFunction : realtime.functions[name])
    .statements.filter((s) => JSON.stringify(s.conditions ?? {}).includes('h#*'))
    .map((s) => ({ ...s, actions: [...s.actions].sort() }));

const expectedStatement = () => ({
  effect: 'Allow',
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  resources: [{ 'Fn::GetAtt': [logicalIdOf(api.table), 'Arn'] }],
  conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['h#*'] } },
});

describe('RealtimeApi history prop', () => {
  it('hands the retention to every function in TOPICAST_CONFIG', () => {
    const config = JSON.parse(template.toJSON().Resources[logicalIdOf(fn('join'))].Properties.Environment.Variables.TOPICAST_CONFIG as string);
    expect(config.history).toEqual({ 'room:*': { maxMessages: 50, ttlSeconds: 600 } });
  });

  it('lets the functions that publish or replay use h# items, and $connect and ping not', () => {
    for (const name of HISTORY_FUNCTIONS) expect(historyStatements(name), name).toEqual([expectedStatement()]);
    for (const name of ['$connect', 'ping'] as const) expect(historyStatements(name), name).toEqual([]);
  });

  it('grants the same to a grantPublish grantee', () => {
    const policies = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: any }>).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(logicalIdOf(role)),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const history = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('h#*'));
    expect(history).toHaveLength(1);
    expect([...history[0].Action].sort()).toEqual(expectedStatement().actions);
    expect(history[0].Condition).toEqual(expectedStatement().conditions);
  });

  it('refuses retention out of range at synth, naming the field', () => {
    const other = new Stack(newApp({ bundling: false }), 'Bad');
    expect(() => new RealtimeApi(other, 'Api', { history: { 'room:*': { maxMessages: 5000 } } })).toThrow(/history\.room:\*\.maxMessages/);
  });

  it('grants nothing on h# items without history', () => {
    const plain = new Stack(newApp({ bundling: false }), 'Plain');
    const plainApi = new RealtimeApi(plain, 'Api');
    const plainTemplate = Template.fromStack(plain);
    for (const name of HISTORY_FUNCTIONS) expect(historyStatements(name, plainTemplate, plainApi), name).toEqual([]);
  });
});
