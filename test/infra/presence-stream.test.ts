/**
 * The presence design on AWS: the table's stream (NEW_AND_OLD_IMAGES) read by one presence
 * function per distinct window, through an event source mapping whose batching window is
 * that window, filtered to topic items, with partial batch failures; stream read grants on
 * this table only.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RealtimeApi, type RealtimeApiProps } from '../../lib/realtime-api.js';
import { logicalIdOf, newApp, statementsOf, streamMappings } from './helpers.js';

function synth(props: RealtimeApiProps = {}): { api: RealtimeApi; template: Template } {
  const stack = new Stack(newApp({ bundling: false }), 'Presence', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new RealtimeApi(stack, 'Realtime', { createAccountCloudWatchRole: false, ...props });
  return { api, template: Template.fromStack(stack) };
}

type Mapping = { Properties: Record<string, unknown> };

describe('RealtimeApi presence stream', () => {
  const { api, template } = synth();

  it('streams new and old images of the table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it('maps the stream to one presence function with the default 1 s window, topic items only, retrying from the failed record', () => {
    expect(api.presenceFunctions).toHaveLength(1);
    const mappings = streamMappings(template) as Mapping[];
    expect(mappings).toHaveLength(1);
    const mapping = (mappings[0] as Mapping).Properties;
    expect(mapping).toMatchObject({
      FunctionName: { Ref: logicalIdOf(api.presenceFunctions[0]!) },
      StartingPosition: 'LATEST',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 't#' }] } } } }) }] },
    });
    expect(JSON.stringify(mapping.EventSourceArn)).toContain('StreamArn');
  });

  it('tells the function which reader it is, and grants it the stream of this table only', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(api.presenceFunctions[0]!)] as { Properties: { Environment: { Variables: Record<string, unknown> }; Timeout: number } };
    expect(fn.Properties.Environment.Variables.TOPICAST_PRESENCE_WINDOW_SECONDS).toBe('1');
    expect(fn.Properties.Timeout).toBe(60);
    const statements = statementsOf(template, api.presenceFunctions[0]!).statements;
    const streamRead = statements.find((s) => s.actions.includes('dynamodb:GetRecords'));
    expect(streamRead?.actions.sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    expect(JSON.stringify(streamRead?.resources)).toContain('StreamArn');
    const list = statements.find((s) => s.actions.includes('dynamodb:ListStreams'));
    expect(JSON.stringify(list?.resources)).toMatch(/\/stream\/\*/);
    expect(statements.flatMap((s) => s.resources)).not.toContain('*');
  });

  it('adds a second reader, filtered to its patterns, for a second window', () => {
    const { api: two, template: twoTemplate } = synth({ presence: { windowMs: 1000, topics: [{ pattern: 'lobby:*', windowMs: 5000 }] } });
    expect(two.presenceFunctions).toHaveLength(2);
    const mappings = (streamMappings(twoTemplate) as Mapping[]).map((m) => m.Properties);
    expect(mappings.map((m) => m.MaximumBatchingWindowInSeconds).sort()).toEqual([1, 5]);
    const five = mappings.find((m) => m.MaximumBatchingWindowInSeconds === 5) as Mapping['Properties'];
    expect(five.FilterCriteria).toEqual({ Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 't#lobby:' }] } } } }) }] });
  });

  it('refuses a third window at synth: DynamoDB Streams serves two readers per shard', () => {
    expect(() => synth({ presence: { topics: [{ pattern: 'a:*', windowMs: 0 }, { pattern: 'b:*', windowMs: 5000 }] } })).toThrow(/presence must use at most 2 distinct windows/);
  });
});
