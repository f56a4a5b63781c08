/**
 * What to watch on a deployed RealtimeApi: topicast's own metrics (written by the functions
 * as CloudWatch EMF), the API Gateway, Lambda and DynamoDB metrics that matter for it, a
 * dashboard of them all and alarms with thresholds explained in docs/operations.md.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { API_ID_DIMENSION, API_ID_VARIABLE, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/adapters/observability/cloudwatch-names.js';
import { METRICS, type MetricKey } from '../lambdas/core/metrics.js';

const PERIOD = Duration.minutes(5);

/** What every function needs to write its metrics where {@link topicastMetric} reads them. */
export function observabilityEnvironment(apiId: string): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, [API_ID_VARIABLE]: apiId };
}

/** One of topicast's own metrics for an API; dimensions given in `options` are added (e.g. `TopicPattern`). */
export function topicastMetric(apiId: string, key: MetricKey, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  const { name, unit, description } = METRICS[key];
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    statistic: unit === 'Count' ? cloudwatch.Stats.SUM : cloudwatch.Stats.percentile(99),
    period: PERIOD,
    label: description,
    ...options,
    dimensionsMap: { service: SERVICE_NAME, [API_ID_DIMENSION]: apiId, ...options.dimensionsMap },
  });
}

/** The alarms, by name; docs/operations.md says what each means and what to do. */
export const ALARMS = {
  integrationErrors: { threshold: 10, description: 'API Gateway could not run a route integration (Lambda error, timeout, throttle)' },
  executionErrors: { threshold: 5, description: 'API Gateway failed while executing a route (e.g. a reply it could not send)' },
  lambdaErrors: { threshold: 5, description: 'Invocations of topicast functions that ended in an error or timeout' },
  lambdaThrottles: { threshold: 5, description: 'Invocations refused by Lambda concurrency limits: frames were dropped' },
  dynamoDbThrottles: { threshold: 10, description: 'DynamoDB requests throttled on the table' },
  failedDeliveries: { threshold: 10, description: 'Deliveries that failed after retries or were dropped (not 410 Gone)' },
} as const;
/** The alarms: the ones created here, and the fan-out worker's failure queue alarm created with the queue. */
export type AlarmName = keyof typeof ALARMS | 'workerFailures';

export interface RealtimeApiMonitoringProps {
  readonly apiId: string;
  readonly stage: apigwv2.IWebSocketStage;
  /** Every function of the API: route functions, fan-out worker, publish function. */
  readonly functions: readonly lambda.IFunction[];
  readonly fanoutWorker: lambda.IFunction;
  /** The alarm on the worker's on-failure queue (failed or expired batches): reused, not duplicated. */
  readonly workerFailures: cloudwatch.Alarm;
  /** The HTTP publish function behind its Function URL. */
  readonly publishFunction: lambda.IFunction;
  readonly table: dynamodb.ITable;
  readonly dashboard: boolean;
  readonly alarmTopic?: sns.ITopic | undefined;
}

export class RealtimeApiMonitoring extends Construct {
  public readonly alarms: Readonly<Record<AlarmName, cloudwatch.Alarm>>;
  public readonly dashboard: cloudwatch.Dashboard | undefined;

  public constructor(scope: Construct, id: string, private readonly props: RealtimeApiMonitoringProps) {
    super(scope, id);
    const stageMetric = (name: string) => props.stage.metric(name, { statistic: cloudwatch.Stats.SUM, period: PERIOD });
    const own = (key: MetricKey, options?: cloudwatch.MetricOptions) => topicastMetric(props.apiId, key, options);

    const sources: Record<keyof typeof ALARMS, cloudwatch.IMetric> = {
      integrationErrors: stageMetric('IntegrationError'),
      executionErrors: stageMetric('ExecutionError'),
      lambdaErrors: this.sumOverFunctions('Errors', (fn) => fn.metricErrors({ period: PERIOD })),
      lambdaThrottles: this.sumOverFunctions('Throttles', (fn) => fn.metricThrottles({ period: PERIOD })),
      dynamoDbThrottles: new cloudwatch.MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        label: 'Read and write throttle events',
        period: PERIOD,
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD }),
          writes: props.table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        },
      }),
      failedDeliveries: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(dropped, 0)',
        label: 'Failed and dropped deliveries',
        period: PERIOD,
        usingMetrics: { failed: own('failedDeliveries'), dropped: own('droppedDeliveries') },
      }),
    };
    const notify = (alarm: cloudwatch.Alarm) => {
      if (!props.alarmTopic) return;
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    };
    const alarms = { workerFailures: props.workerFailures } as Record<AlarmName, cloudwatch.Alarm>;
    notify(props.workerFailures);
    for (const name of Object.keys(ALARMS) as (keyof typeof ALARMS)[]) {
      const { threshold, description } = ALARMS[name];
      const alarm = new cloudwatch.Alarm(this, `${name[0]!.toUpperCase()}${name.slice(1)}`, {
        metric: sources[name],
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means nothing happened: no traffic is not an outage of these signals.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description}: ${threshold} or more in 5 minutes. See docs/operations.md.`,
      });
      notify(alarm);
      alarms[name] = alarm;
    }
    this.alarms = alarms;
    this.dashboard = props.dashboard ? this.buildDashboard(own, stageMetric) : undefined;
  }

  /** Math alarms take at most 10 metrics: the 9 functions fit. */
  private sumOverFunctions(label: string, metricOf: (fn: lambda.IFunction) => cloudwatch.IMetric): cloudwatch.MathExpression {
    const usingMetrics = Object.fromEntries(this.props.functions.map((fn, index) => [`f${index}`, metricOf(fn)]));
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
      label: `${label}, all topicast functions`,
      period: PERIOD,
      usingMetrics,
    });
  }

  private buildDashboard(own: (key: MetricKey, options?: cloudwatch.MetricOptions) => cloudwatch.Metric, stageMetric: (name: string) => cloudwatch.Metric): cloudwatch.Dashboard {
    const { functions, fanoutWorker, publishFunction, table } = this.props;
    const urlMetric = (name: string) => publishFunction.metric(name, { statistic: cloudwatch.Stats.SUM, period: PERIOD });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });
    const percentile = (key: MetricKey, p: number) => own(key, { statistic: cloudwatch.Stats.percentile(p), label: `p${p}` });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      graph('Connections', [stageMetric('ConnectCount'), own('connectionsOpened'), own('connectionsClosed')], [own('connectionsReaped')]),
      graph('Messages', [stageMetric('MessageCount'), own('pushes'), own('joins'), own('leaves')], [own('deliveries')]),
      graph('Delivery problems', [own('failedDeliveries'), own('droppedDeliveries'), own('goneConnections'), own('retriedPosts')], [own('refusals')]),
    );
    dashboard.addWidgets(
      graph('Fan-out duration (ms)', [percentile('fanoutDuration', 50), percentile('fanoutDuration', 99)], [stageMetric('IntegrationLatency').with({ statistic: cloudwatch.Stats.percentile(99), label: 'integration latency p99' })]),
      graph('Presence frame size (bytes)', [percentile('presenceFrameBytes', 50), percentile('presenceFrameBytes', 99)]),
      graph('Fan-out worker', [own('workerBatches'), fanoutWorker.metricInvocations({ period: PERIOD })], [fanoutWorker.metric('AsyncEventsDropped', { statistic: cloudwatch.Stats.SUM, period: PERIOD })]),
    );
    dashboard.addWidgets(
      graph('API Gateway errors', [stageMetric('IntegrationError'), stageMetric('ExecutionError'), stageMetric('ClientError')]),
      graph('Lambda errors and throttles', functions.map((fn) => fn.metricErrors({ period: PERIOD })), functions.map((fn) => fn.metricThrottles({ period: PERIOD }))),
      graph('Lambda duration p99 (ms)', functions.map((fn) => fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.percentile(99) }))),
    );
    dashboard.addWidgets(
      graph(
        'DynamoDB',
        [table.metricConsumedReadCapacityUnits({ period: PERIOD }), table.metricConsumedWriteCapacityUnits({ period: PERIOD })],
        [table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD }), table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD })],
      ),
      graph('HTTP publish (Function URL)', [urlMetric('UrlRequestCount'), urlMetric('Url4xxCount'), urlMetric('Url5xxCount')]),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 8, height: 6 }),
    );
    return dashboard;
  }
}
