/**
 * The grace timer of presence across a reconnect on AWS: an encrypted SQS queue with a
 * dead-letter queue, read by the presence-grace function through a mapping with partial
 * batch failures; `$disconnect` may only send to it and knows its URL; the grace function
 * may only delete held rows and member records.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RealtimeApi } from '../../lib/realtime-api.js';
import { logicalIdOf, newApp, statementsOf } from './helpers.js';

const stack = new Stack(newApp({ bundling: false }), 'Grace', { env: { account: '111111111111', region: 'eu-west-1' } });
const api = new RealtimeApi(stack, 'Realtime', { createAccountCloudWatchRole: false });
const template = Template.fromStack(stack);
const queueId = logicalIdOf(api.graceQueue);

describe('RealtimeApi presence grace timer', () => {
  it('is an encrypted queue with a dead-letter queue after 3 receives, read by the grace function with partial batch failures', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 30,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(api.presenceGraceFunction) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets $disconnect send to the queue only, and tells it the queue URL', () => {
    const { statements } = statementsOf(template, api.functions.$disconnect);
    const sqs = statements.filter((s) => s.actions.some((a) => a.startsWith('sqs:')));
    expect(sqs).toEqual([expect.objectContaining({ actions: ['sqs:SendMessage'], resources: [{ 'Fn::GetAtt': [queueId, 'Arn'] }] })]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOPICAST_GRACE_QUEUE_URL: { Ref: queueId } }) },
    });
  });

  it('confines the grace function to deleting t# and m# items, and posts nothing', () => {
    const { statements, managedPolicies } = statementsOf(template, api.presenceGraceFunction);
    expect(managedPolicies).toEqual([]);
    const table = statements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(table).toEqual([expect.objectContaining({ actions: ['dynamodb:DeleteItem'], conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['m#*', 't#*'] } } })]);
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('execute-api:') || a.startsWith('lambda:'))).toEqual([]);
  });
});
