/**
 * Lifecycle events on AWS: off by default; on, the default window's presence function
 * reads created and deleted connection items too (a second stream filter), publishes to a
 * bus (created, or the one given) with `events:PutEvents` on that bus only and UpdateItem
 * on the `l#` occupancy markers only; cdk-nag stays clean.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RealtimeApi, type RealtimeApiProps } from '../../lib/realtime-api.js';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { logicalIdOf, newApp, statementsOf, streamMappings } from './helpers.js';

function synth(props: RealtimeApiProps = {}, extra?: (stack: Stack) => Partial<RealtimeApiProps>): { api: RealtimeApi; template: Template; stack: Stack } {
  const stack = new Stack(newApp({ bundling: false }), 'Events', { env: { account: '111111111111', region: 'eu-west-1' } });
  const api = new RealtimeApi(stack, 'Realtime', { createAccountCloudWatchRole: false, ...props, ...extra?.(stack) });
  return { api, template: Template.fromStack(stack), stack };
}

type Mapping = { Properties: { FunctionName: unknown; FilterCriteria: { Filters: { Pattern: string }[] } } };
type FunctionResource = { Properties: { Environment: { Variables: Record<string, unknown> } } };

const TOPIC_FILTER = JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 't#' }] } } } });
const CONNECTION_FILTER = JSON.stringify({ eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: 'c#' }] }, sk: { S: ['c'] } } } });

function variablesOf(template: Template, api: RealtimeApi, index = 0): Record<string, unknown> {
  return (template.findResources('AWS::Lambda::Function')[logicalIdOf(api.presenceFunctions[index]!)] as FunctionResource).Properties.Environment.Variables;
}

describe('RealtimeApi lifecycleEvents', () => {
  it('is off by default: no bus, no PutEvents, topic items only', () => {
    // Act
    const { api, template } = synth();

    // Assess
    expect(api.eventBus).toBeUndefined();
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(variablesOf(template, api).TOPICAST_EVENT_BUS).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('events:PutEvents');
    const [mapping] = streamMappings(template) as Mapping[];
    expect(mapping?.Properties.FilterCriteria.Filters.map((f) => f.Pattern)).toEqual([TOPIC_FILTER]);
  });

  it('creates a bus, tells the presence function its ARN and passes created and deleted connection items to it', () => {
    // Act
    const { api, template } = synth({ lifecycleEvents: true });

    // Assess: a bus, exposed
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const busId = logicalIdOf(api.eventBus as events.EventBus);
    expect(variablesOf(template, api).TOPICAST_EVENT_BUS).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    expect(JSON.parse(variablesOf(template, api).TOPICAST_CONFIG as string).lifecycleEvents).toBe(true);
    // Assess: the mapping's filters, topic items and connection creations/deletions
    const [mapping] = streamMappings(template) as Mapping[];
    expect(mapping?.Properties.FilterCriteria.Filters.map((f) => f.Pattern)).toEqual([TOPIC_FILTER, CONNECTION_FILTER]);
  });

  it('grants PutEvents on that bus only, to the presence function only, and marker writes on l# items only', () => {
    // Act
    const { api, template } = synth({ lifecycleEvents: true });

    // Assess
    const busArn = { 'Fn::GetAtt': [logicalIdOf(api.eventBus as events.EventBus), 'Arn'] };
    const statements = statementsOf(template, api.presenceFunctions[0]!).statements;
    const put = statements.filter((s) => s.actions.some((a) => a.startsWith('events:')));
    expect(put).toEqual([{ effect: 'Allow', actions: ['events:PutEvents'], resources: [busArn], conditions: undefined }]);
    const markers = statements.find((s) => s.actions.includes('dynamodb:UpdateItem'));
    expect(markers?.actions).toEqual(['dynamodb:UpdateItem']);
    expect(markers?.conditions).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['l#*'] } });
    for (const fn of [...Object.values(api.functions), api.fanoutWorker, api.publishFunction]) {
      expect(statementsOf(template, fn).statements.flatMap((s) => s.actions).filter((a) => a.startsWith('events:')), fn.node.path).toEqual([]);
    }
  });

  it('uses a bus it is given and the source it is told, and only the default window\'s reader publishes', () => {
    // Act
    const { api, template } = synth({ lifecycleEvents: { source: 'chat.realtime' }, presence: { windowMs: 1000, topics: [{ pattern: 'lobby:*', windowMs: 5000 }] } }, (stack) => ({
      lifecycleEvents: { bus: events.EventBus.fromEventBusArn(stack, 'Shared', 'arn:aws:events:eu-west-1:222222222222:event-bus/shared'), source: 'chat.realtime' },
    }));

    // Assess
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(variablesOf(template, api).TOPICAST_EVENT_BUS).toBe('arn:aws:events:eu-west-1:222222222222:event-bus/shared');
    expect(JSON.parse(variablesOf(template, api).TOPICAST_CONFIG as string).lifecycleEvents).toEqual({ source: 'chat.realtime' });
    expect(variablesOf(template, api, 1).TOPICAST_EVENT_BUS).toBeUndefined();
    expect(statementsOf(template, api.presenceFunctions[1]!).statements.flatMap((s) => s.actions)).not.toContain('events:PutEvents');
    const mappings = streamMappings(template) as Mapping[];
    const filtersOf = (fn: RealtimeApi['presenceFunctions'][number]) =>
      mappings.find((m) => JSON.stringify(m.Properties.FunctionName).includes(logicalIdOf(fn)))?.Properties.FilterCriteria.Filters.map((f) => f.Pattern);
    expect(filtersOf(api.presenceFunctions[0]!)).toEqual([TOPIC_FILTER, CONNECTION_FILTER]);
    expect(filtersOf(api.presenceFunctions[1]!)).toEqual([JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 't#lobby:' }] } } } })]);
  });

  it('refuses at synth a source EventBridge would refuse', () => {
    expect(() => synth({ lifecycleEvents: { source: 'aws.topicast' } })).toThrow(/lifecycleEvents.*must be 1-256 characters without spaces, not starting with aws\./);
  });

  it('passes cdk-nag with events on, and the stack outputs the bus name', () => {
    // Prepare
    const stack = new TopicastStack(newApp({ bundling: false }), 'TopicastEvents', { realtime: { lifecycleEvents: true } });
    const template = Template.fromStack(stack);

    // Act
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);

    // Assess
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    template.hasOutput('EventBusName', { Value: { Ref: logicalIdOf(stack.realtime.eventBus as events.EventBus) } });
  });
});
