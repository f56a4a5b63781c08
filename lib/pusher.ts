/**
 * The `pusher` prop of `RealtimeApi`: what Pusher's clients and server SDKs need on AWS.
 * - The app secret in Secrets Manager (generated, or yours), read by the functions that
 *   sign or verify (never in the template or an environment variable in clear).
 * - Pusher's HTTP API on its own function behind a Function URL with auth NONE: the SDKs
 *   sign with the app secret, not SigV4, and the function verifies that signature before
 *   reading or sending anything.
 * - A custom domain whose API mapping `app/{key}` leads to the WebSocket stage, because
 *   pusher-js always connects to `wss://{host}/app/{key}?protocol=7...`.
 * - Webhooks: rules on the lifecycle bus invoke a function asynchronously; Lambda retries a
 *   failed webhook, then the event lands in a dead-letter queue (as do events EventBridge
 *   could not hand to Lambda).
 */
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PUSHER_ENVIRONMENT } from '../lambdas/core/pusher/app.js';
import { PUSHER_WEBHOOK_URL_ENV } from '../lambdas/core/pusher/webhooks.js';
import { KEY_PREFIXES } from '../lambdas/adapters/dynamodb/table-schema.js';
import { keyConfinedStatement } from './table-grants.js';

export interface PusherWebhooksProps {
  /** Where webhooks are POSTed (https in production; Pusher's dashboard setting of the same name). */
  readonly url: string;
  /**
   * Retries of a webhook the receiver refused or did not answer within 10 s (Lambda's
   * asynchronous retries, about 1 then 2 minutes apart), before the event is dead-lettered.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long an event may wait for its webhook (retries included) before it is dead-lettered.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

export interface PusherProps {
  /** The app id the server SDKs are configured with (`appId`): 1-64 letters, digits, `_` or `-`. */
  readonly appId: string;
  /** The app key the clients and SDKs are configured with (`key`): 1-64 letters, digits, `_` or `-`. */
  readonly key: string;
  /**
   * The app secret: a Secrets Manager secret whose value is the raw secret string.
   * @default - a new secret with a generated 64-character value (read it from the console or CLI to configure your backend)
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * A custom domain for the WebSocket API, e.g. `ws.example.com`, with the API mapping
   * `app/{key}` to the stage, so that pusher-js (`wsHost: domainName`) reaches it. Point a
   * CNAME (or Route 53 alias) at the output `PusherDomainTarget`.
   * @default - no custom domain: pusher-js cannot connect (its path is fixed), Phoenix clients still can
   */
  readonly domainName?: string;
  /** The ACM certificate of `domainName`, in the stack's region. Required with `domainName`. @default - none */
  readonly certificate?: acm.ICertificate;
  /**
   * Webhooks (channel_occupied, channel_vacated, member_added, member_removed). They are made
   * from lifecycle events, which this turns on.
   * @default - no webhooks
   */
  readonly webhooks?: PusherWebhooksProps;
}

/** The defaults of {@link PusherWebhooksProps}. */
export const PUSHER_WEBHOOK_DEFAULTS = { retryAttempts: 2, maxEventAge: Duration.hours(1), queueRetention: Duration.days(14) } as const;

const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;

/** Problems with the `pusher` prop, as messages (empty when valid). */
export function pusherProblems(props: PusherProps | undefined): string[] {
  if (props === undefined) return [];
  const problems: string[] = [];
  for (const [name, value] of [['appId', props.appId], ['key', props.key]] as const) {
    if (typeof value !== 'string' || (!Token.isUnresolved(value) && !IDENTIFIER.test(value))) problems.push(`pusher.${name} must be 1-64 letters, digits, '_' or '-'`);
  }
  if ((props.domainName === undefined) !== (props.certificate === undefined)) problems.push('pusher.domainName and pusher.certificate go together');
  const hooks = props.webhooks;
  if (hooks) {
    if (!Token.isUnresolved(hooks.url) && !/^https?:\/\/[^\s/]+/.test(hooks.url)) problems.push(`pusher.webhooks.url must be an http(s) URL, got '${hooks.url}'`);
    const retries = hooks.retryAttempts;
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) problems.push(`pusher.webhooks.retryAttempts must be 0, 1 or 2 (Lambda's asynchronous retries), got ${retries}`);
    const age = hooks.maxEventAge?.toSeconds();
    if (age !== undefined && (age < 60 || age > 21_600)) problems.push(`pusher.webhooks.maxEventAge must be from 1 minute to 6 hours, got ${age} s`);
  }
  return problems;
}

/** The app secret: given, or generated. */
export function pusherSecret(scope: Construct, props: PusherProps, removalPolicy: RemovalPolicy): secretsmanager.ISecret {
  if (props.secret) return props.secret;
  const secret = new secretsmanager.Secret(scope, 'PusherSecret', {
    description: 'topicast Pusher app secret (signs channel auth, HTTP API requests and webhooks)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
    removalPolicy,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The Pusher app secret is shared with the backend that signs channel auth and HTTP API requests (the pusher SDK ' +
      'configuration); automatic rotation would break every backend until it is reconfigured. Rotate it deliberately.',
  });
  return secret;
}

/** The environment a function that knows the app needs; the secret by ARN only. */
export function pusherEnvironment(props: PusherProps, secret: secretsmanager.ISecret): Record<string, string> {
  return { [PUSHER_ENVIRONMENT.appId]: props.appId, [PUSHER_ENVIRONMENT.key]: props.key, [PUSHER_ENVIRONMENT.secretArn]: secret.secretArn };
}


/** The HTTP API's Function URL: no IAM auth, the Pusher signature is checked by the function itself. */
export function addPusherUrl(fn: lambda.Function): lambda.FunctionUrl {
  return fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
}

/** The custom domain and its `app/{key}` mapping to the stage. */
export function pusherDomain(scope: Construct, props: PusherProps, api: apigwv2.WebSocketApi, stage: apigwv2.WebSocketStage): apigwv2.DomainName | undefined {
  if (!props.domainName || !props.certificate) return undefined;
  const domain = new apigwv2.DomainName(scope, 'PusherDomain', {
    domainName: props.domainName,
    certificate: props.certificate,
    securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
  });
  // A multi-level mapping: `wss://{domain}/app/{key}` is the stage's root, the path pusher-js
  // builds and cannot change. The mapping key holds only the characters API Gateway allows.
  new apigwv2.ApiMapping(scope, 'PusherMapping', { api, stage, domainName: domain, apiMappingKey: `app/${props.key}` });
  return domain;
}

/**
 * The webhook wiring: occupied/vacated of every topic, joined/left of `presence-` topics only
 * (a Phoenix topic's joins invoke nothing), each to the function, asynchronously; its
 * failures, and events EventBridge could not deliver, to one encrypted queue with an alarm.
 */
export function wirePusherWebhooks(
  scope: Construct,
  options: { readonly fn: lambda.Function; readonly bus: events.IEventBus; readonly source: string; readonly webhooks: PusherWebhooksProps; readonly removalPolicy: RemovalPolicy },
): { queue: sqs.Queue; alarm: cloudwatch.Alarm } {
  const { fn, bus, source, webhooks, removalPolicy } = options;
  const queue = new sqs.Queue(scope, 'PusherWebhookFailures', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: PUSHER_WEBHOOK_DEFAULTS.queueRetention,
    removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter queue of the Pusher webhooks (Lambda on-failure destination and EventBridge target DLQ).',
  });
  const onFailure: lambda.IDestination = {
    bind: (_scope, target) => {
      target.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
      return { destination: queue.queueArn };
    },
  };
  const maxEventAge = webhooks.maxEventAge ?? PUSHER_WEBHOOK_DEFAULTS.maxEventAge;
  fn.configureAsyncInvoke({ retryAttempts: webhooks.retryAttempts ?? PUSHER_WEBHOOK_DEFAULTS.retryAttempts, maxEventAge, onFailure });
  const target = new targets.LambdaFunction(fn, { deadLetterQueue: queue, maxEventAge, retryAttempts: 185 });
  new events.Rule(scope, 'PusherWebhookOccupancy', {
    eventBus: bus,
    description: 'topicast: channel_occupied/channel_vacated webhooks',
    eventPattern: { source: [source], detailType: ['occupied', 'vacated'] },
    targets: [target],
  });
  new events.Rule(scope, 'PusherWebhookMembers', {
    eventBus: bus,
    description: 'topicast: member_added/member_removed webhooks (presence- channels only)',
    eventPattern: { source: [source], detailType: ['joined', 'left'], detail: { topic: events.Match.prefix('presence-') } },
    targets: [target],
  });
  const alarm = new cloudwatch.Alarm(scope, 'PusherWebhookFailuresAlarm', {
    alarmDescription:
      'topicast: a Pusher webhook failed every attempt (the receiver refused it or did not answer) and was dead-lettered; ' +
      'the PusherWebhookFailures queue holds the events, the PusherWebhooks function logs say why.',
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { queue, alarm };
}

/**
 * `GET /channels`: the Pusher API function lists the channel index (Query `x#`) and removes
 * the entries of channels it found vacant (DeleteItem `x#`, conditional on their version);
 * it checks them with the Query on `t#` its publisher grant already holds.
 */
export function grantChannelIndexRead(fn: lambda.IFunction, tableArn: string): void {
  fn.addToRolePolicy(keyConfinedStatement(tableArn, ['Query', 'DeleteItem'], [KEY_PREFIXES.channelIndex]));
}

/** What the webhook function reads: the subscribers of a topic (a user's other connections), nothing else. */
export function grantWebhookTableRead(fn: lambda.IFunction, tableArn: string): void {
  fn.addToRolePolicy(keyConfinedStatement(tableArn, ['Query'], [KEY_PREFIXES.topic]));
}

/** The webhook function's own environment beside the app's. */
export function webhookEnvironment(webhooks: PusherWebhooksProps): Record<string, string> {
  return { [PUSHER_WEBHOOK_URL_ENV]: webhooks.url };
}
