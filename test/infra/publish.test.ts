/**
 * Server-side publish in the construct: the HTTP publish function behind an AWS_IAM
 * Function URL with its `PublishUrl` output, and `grantPublish` / `bindPublisher` /
 * `grantPublishUrl` giving a user's own Lambda exactly what the SDK uses.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { actionsWithPrefix, logicalIdOf, newApp, resourcesFor, statementsOf } from './helpers.js';

let stack: TopicastStack;
let backend: lambda.Function;
let bound: lambda.Function;
let caller: iam.Role;
let template: Template;

beforeAll(() => {
  const app = newApp({ bundling: false });
  stack = new TopicastStack(app, 'Topicast');
  // A user's own function, granted the SDK's needs and handed its settings separately.
  backend = new lambda.Function(stack, 'Backend', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('export const handler = async () => {}') });
  stack.realtime.grantPublish(backend);
  for (const [name, value] of Object.entries(stack.realtime.publishEnvironment)) backend.addEnvironment(name, value);
  bound = new lambda.Function(stack, 'Bound', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('export const handler = async () => {}') });
  stack.realtime.bindPublisher(bound);
  caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  stack.realtime.grantPublishUrl(caller);
  template = Template.fromStack(stack);
});

const connectionsArn = (method: string) => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: logicalIdOf(stack.realtime.webSocketApi) }, `/prod/${method}/@connections/*`],
  ],
});

function expectExactlyWhatTheSdkUses(fn: lambda.IFunction): void {
  const { statements, managedPolicies } = statementsOf(template, fn);
  const own = statements.filter((s) => !s.actions.some((a) => a.startsWith('logs:')));
  expect(actionsWithPrefix(own, 'dynamodb:')).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query']);
  expect(resourcesFor(own, 'dynamodb:Query')).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack.realtime.table), 'Arn'] }]);
  const connections = resourcesFor(own, 'execute-api:ManageConnections');
  expect(connections).toHaveLength(2);
  expect(connections).toEqual(expect.arrayContaining([connectionsArn('POST'), connectionsArn('DELETE')]));
  expect(resourcesFor(own, 'lambda:InvokeFunction')).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack.realtime.fanoutWorker), 'Arn'] }]);
  expect([...new Set(own.flatMap((s) => s.actions))].sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'execute-api:ManageConnections', 'lambda:InvokeFunction']);
  // Connection, topic and user items only: never kv#, h#, l# or o# through these statements.
  for (const statement of own.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')))) {
    expect(statement.conditions, JSON.stringify(statement.actions)).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': expect.any(Array) } });
    const prefixes = (statement.conditions as { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': string[] } })['ForAllValues:StringLike']['dynamodb:LeadingKeys'];
    expect(prefixes.every((p) => ['c#*', 't#*', 'u#*'].includes(p)), prefixes.join()).toBe(true);
  }
  expect(managedPolicies.filter((p) => JSON.stringify(p).includes('AWSLambdaBasicExecutionRole') === false)).toEqual([]);
}

describe('the HTTP publish function', () => {
  it('sits behind a Function URL with AWS_IAM auth, output as PublishUrl without a trailing slash', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [logicalIdOf(stack.realtime.publishFunction), 'Arn'] } });
    const output = template.findOutputs('PublishUrl').PublishUrl?.Value;
    expect(JSON.stringify(output)).toContain('"Fn::Split":["/",{"Fn::GetAtt":');
    expect(output['Fn::Join'][1][0]).toBe('https://');
    expect(stack.resolve(stack.realtime.publishUrl)).toEqual(output);
  });

  it('holds exactly what the SDK uses (it runs the same operations) and reads the SDK settings', () => {
    expectExactlyWhatTheSdkUses(stack.realtime.publishFunction);
    const env = template.toJSON().Resources[logicalIdOf(stack.realtime.publishFunction)].Properties.Environment.Variables;
    expect(env).toEqual({
      TOPICAST_TABLE_NAME: { Ref: logicalIdOf(stack.realtime.table) },
      TOPICAST_CONFIG: JSON.stringify({ auth: 'required' }),
      TOPICAST_FANOUT_FUNCTION: { Ref: logicalIdOf(stack.realtime.fanoutWorker) },
      // Where its logs and metrics go, as for every function (docs/operations.md)
      POWERTOOLS_SERVICE_NAME: 'topicast',
      POWERTOOLS_METRICS_NAMESPACE: 'Topicast',
      TOPICAST_API_ID: { Ref: logicalIdOf(stack.realtime.webSocketApi) },
    });
  });

  it('can be called only by principals granted lambda:InvokeFunctionUrl (grantPublishUrl), with the dual-auth invoke', () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(caller) }]));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown; Condition?: unknown }[]);
    const fnArn = { 'Fn::GetAtt': [logicalIdOf(stack.realtime.publishFunction), 'Arn'] };
    expect(statements).toContainEqual({ Action: 'lambda:InvokeFunctionUrl', Effect: 'Allow', Resource: fnArn, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } });
    expect(statements).toContainEqual({ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: fnArn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } });
  });
});

describe('grantPublish and bindPublisher', () => {
  it('grantPublish gives a user function exactly the SDK actions, scoped to this table, stage and worker', () => {
    expectExactlyWhatTheSdkUses(backend);
  });

  it('bindPublisher grants the same and hands over the settings the SDK reads', () => {
    expectExactlyWhatTheSdkUses(bound);
    const env = template.toJSON().Resources[logicalIdOf(bound)].Properties.Environment.Variables;
    expect(Object.keys(env).sort()).toEqual(['TOPICAST_CONFIG', 'TOPICAST_FANOUT_FUNCTION', 'TOPICAST_TABLE_NAME']);
    expect(env.TOPICAST_TABLE_NAME).toEqual({ Ref: logicalIdOf(stack.realtime.table) });
  });
});
