/**
 * The construct's monitoring: the environment every function writes its metrics with, the
 * `metricX()` methods that read them back, the alarms (thresholds, missing data, actions)
 * and the dashboard. Two syntheses, bundling skipped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RealtimeApi } from '../../lib/realtime-api.js';
import { ALARMS } from '../../lib/realtime-api-monitoring.js';
import { METRICS, type MetricKey } from '../../lambdas/core/metrics.js';
import { logicalIdOf, newApp } from './helpers.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let api: RealtimeApi;
let template: Template;
let resources: Resources;
let quiet: Template;

beforeAll(() => {
  const app = newApp({ bundling: false });
  const stack = new Stack(app, 'Watched', { env: { account: '123456789012', region: 'eu-west-1' } });
  api = new RealtimeApi(stack, 'Chat');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;

  const other = new Stack(newApp({ bundling: false }), 'Notified', { env: { account: '123456789012', region: 'eu-west-1' } });
  const topic = new sns.Topic(other, 'Pager');
  new RealtimeApi(other, 'Chat', { dashboard: false, alarmTopic: topic });
  quiet = Template.fromStack(other);
});

const ofType = (type: string, from: Resources = resources) => Object.values(from).filter((r) => r.Type === type);
const apiRef = () => ({ Ref: logicalIdOf(api.webSocketApi) });
const allFunctions = () => [...Object.values(api.functions), api.fanoutWorker, api.publishFunction];

describe('metrics', () => {
  it('tells every function where to write its metrics: service, namespace and the API id dimension', () => {
    for (const fn of allFunctions()) {
      expect(resources[logicalIdOf(fn)]!.Properties.Environment.Variables, fn.node.id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'topicast',
        POWERTOOLS_METRICS_NAMESPACE: 'Topicast',
        TOPICAST_API_ID: apiRef(),
      });
    }
  });

  it('has a metricX() method for every metric the functions write, reading the same name and dimensions', () => {
    const stack = Stack.of(api);
    for (const [key, definition] of Object.entries(METRICS)) {
      const method = `metric${key[0]!.toUpperCase()}${key.slice(1)}` as `metric${Capitalize<MetricKey>}`;
      expect(typeof api[method], method).toBe('function');
      const metric = api[method]();
      expect(metric.namespace).toBe('Topicast');
      expect(metric.metricName).toBe(definition.name);
      expect(stack.resolve(metric.dimensions)).toEqual({ service: 'topicast', ApiId: apiRef() });
      expect(metric.statistic).toBe(definition.unit === 'Count' ? 'Sum' : 'p99');
    }
  });

  it('narrows a metric to one topic pattern or reason, keeping the API dimension', () => {
    const stack = Stack.of(api);
    expect(stack.resolve(api.metricDeliveries({ dimensionsMap: { TopicPattern: 'room:*' } }).dimensions)).toEqual({ service: 'topicast', ApiId: apiRef(), TopicPattern: 'room:*' });
    expect(stack.resolve(api.metricRefusals({ dimensionsMap: { Reason: 'rate_limited' } }).dimensions)).toMatchObject({ Reason: 'rate_limited' });
  });
});

describe('alarms', () => {
  const alarmOf = (name: keyof typeof ALARMS) => resources[logicalIdOf(api.alarms[name])]!.Properties;

  it('has seven alarms (six made here, the worker queue one reused), each >= its threshold over one 5-minute period, missing data not breaching, notifying nobody by default', () => {
    expect(ofType('AWS::CloudWatch::Alarm')).toHaveLength(7);
    for (const [name, { threshold }] of Object.entries(ALARMS)) {
      expect(alarmOf(name as keyof typeof ALARMS), name).toMatchObject({
        Threshold: threshold,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarmOf(name as keyof typeof ALARMS).AlarmActions, name).toBeUndefined();
    }
  });

  it('watches API Gateway integration and execution errors of this API and stage', () => {
    for (const [name, metricName] of [['integrationErrors', 'IntegrationError'], ['executionErrors', 'ExecutionError']] as const) {
      expect(alarmOf(name)).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: metricName,
        Statistic: 'Sum',
        Period: 300,
        Dimensions: expect.arrayContaining([{ Name: 'ApiId', Value: apiRef() }, { Name: 'Stage', Value: expect.anything() }]),
      });
    }
  });

  it('sums Lambda errors and throttles over all nine functions (routes, worker, publish)', () => {
    for (const [name, metricName] of [['lambdaErrors', 'Errors'], ['lambdaThrottles', 'Throttles']] as const) {
      const metrics: any[] = alarmOf(name).Metrics;
      const inputs = metrics.filter((m) => m.MetricStat);
      expect(inputs.map((m) => m.MetricStat.Metric.MetricName)).toEqual(Array(9).fill(metricName));
      expect(inputs.map((m) => m.MetricStat.Metric.Dimensions[0].Value.Ref).sort()).toEqual(allFunctions().map((fn) => logicalIdOf(fn)).sort());
      expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(f0, 0) + FILL(f1, 0) + FILL(f2, 0) + FILL(f3, 0) + FILL(f4, 0) + FILL(f5, 0) + FILL(f6, 0) + FILL(f7, 0) + FILL(f8, 0)');
    }
  });

  it('watches DynamoDB read and write throttles on the table, the worker failure queue and failed deliveries', () => {
    const throttles: any[] = alarmOf('dynamoDbThrottles').Metrics;
    expect(throttles.filter((m) => m.MetricStat).map((m) => [m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions[0].Value])).toEqual([
      ['ReadThrottleEvents', { Ref: logicalIdOf(api.table) }],
      ['WriteThrottleEvents', { Ref: logicalIdOf(api.table) }],
    ]);
    // The worker's failure alarm is the one created with its on-failure queue, reused: not a second one.
    expect(api.alarms.workerFailures).toBe(api.fanoutFailureAlarm);
    expect(resources[logicalIdOf(api.alarms.workerFailures)]!.Properties).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    const failed: any[] = alarmOf('failedDeliveries').Metrics;
    expect(failed.find((m) => m.Expression)?.Expression).toBe('FILL(failed, 0) + FILL(dropped, 0)');
    const inputs = failed.filter((m) => m.MetricStat);
    expect(inputs.map((m) => [m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Stat])).toEqual([
      ['Topicast', 'FailedDeliveries', 'Sum'],
      ['Topicast', 'DroppedDeliveries', 'Sum'],
    ]);
    for (const input of inputs) expect(input.MetricStat.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'ApiId', Value: apiRef() }, { Name: 'service', Value: 'topicast' }]));
  });

  it('notifies the alarm topic when one is given, on alarm and on recovery', () => {
    const alarms = Object.values(quiet.toJSON().Resources as Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });
});

describe('dashboard', () => {
  it('is created by default, with the API, Lambda, DynamoDB and topicast metrics and the alarms', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Stack.of(api).resolve(ofType('AWS::CloudWatch::Dashboard')[0]!.Properties.DashboardBody));
    for (const name of ['IntegrationError', 'ConnectCount', 'MessageCount', 'Deliveries', 'FailedDeliveries', 'FanoutDuration', 'PresenceFrameBytes', 'WorkerBatches', 'Url5xxCount', 'Throttles', 'WriteThrottleEvents', '\\"title\\":\\"Alarms\\"']) {
      expect(body, name).toContain(name);
    }
    expect(api.dashboard).toBeDefined();
  });

  it('is left out with dashboard: false, the alarms stay', () => {
    quiet.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    quiet.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({ MetricName: 'IntegrationError' }));
  });
});
