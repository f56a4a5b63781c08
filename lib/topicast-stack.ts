/**
 * The deployable topicast stack: one `RealtimeApi` and the outputs a client or operator needs.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type { Construct } from 'constructs';
import { RealtimeApi, type RealtimeApiProps } from './realtime-api.js';

export interface TopicastStackProps extends StackProps {
  /**
   * Props of the `RealtimeApi` construct (auth, stage, limits, ...).
   * @default - the construct's defaults (see docs/infrastructure.md)
   */
  readonly realtime?: RealtimeApiProps;
  /**
   * ARN of the ACM certificate of `realtime.pusher.domainName`, imported into the stack (for
   * apps that configure the stack from context rather than code).
   * @default - `realtime.pusher.certificate`
   */
  readonly pusherCertificateArn?: string;
}

export class TopicastStack extends Stack {
  public readonly realtime: RealtimeApi;

  constructor(scope: Construct, id: string, props: TopicastStackProps = {}) {
    super(scope, id, props);

    const pusher = props.realtime?.pusher;
    const certificate = props.pusherCertificateArn ? acm.Certificate.fromCertificateArn(this, 'PusherCertificate', props.pusherCertificateArn) : undefined;
    this.realtime = new RealtimeApi(this, 'Realtime', pusher && certificate ? { ...props.realtime, pusher: { ...pusher, certificate } } : props.realtime);

    new CfnOutput(this, 'WebSocketUrl', {
      description: 'Clients connect here (wss://{apiId}.execute-api.{region}.amazonaws.com/{stage})',
      value: this.realtime.webSocketUrl,
    });
    new CfnOutput(this, 'ManagementEndpoint', {
      description: 'API Gateway Management API endpoint for POST /@connections/{id}',
      value: this.realtime.managementEndpoint,
    });
    new CfnOutput(this, 'PublishUrl', {
      description: 'HTTP publish API (POST {PublishUrl}/publish), IAM-signed (SigV4, service lambda)',
      value: this.realtime.publishUrl,
    });
    new CfnOutput(this, 'TokenSecretArn', {
      description: 'Secrets Manager secret holding the HS256 token signing secret',
      value: this.realtime.tokenSecret.secretArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'DynamoDB table of connections and subscriptions',
      value: this.realtime.table.tableName,
    });
    const { pusherHttpHost, pusherDomain, pusherSecret, pusherWebhookFailureQueue } = this.realtime;
    if (pusherHttpHost && pusherSecret && props.realtime?.pusher) {
      new CfnOutput(this, 'PusherAppId', { description: 'Pusher app id (appId / PUSHER_APP_ID)', value: props.realtime.pusher.appId });
      new CfnOutput(this, 'PusherKey', { description: 'Pusher app key (key / PUSHER_APP_KEY)', value: props.realtime.pusher.key });
      new CfnOutput(this, 'PusherSecretArn', { description: 'Secrets Manager secret holding the Pusher app secret (PUSHER_APP_SECRET)', value: pusherSecret.secretArn });
      new CfnOutput(this, 'PusherHttpHost', { description: "Pusher HTTP API host for the server SDKs (host, port 443, useTLS true / PUSHER_HOST)", value: pusherHttpHost });
    }
    if (pusherDomain) {
      new CfnOutput(this, 'PusherWebSocketHost', { description: 'pusher-js / Echo wsHost (wss://{host}/app/{key}), once DNS points at PusherDomainTarget', value: pusherDomain.name });
      new CfnOutput(this, 'PusherDomainTarget', { description: 'Point a CNAME (or Route 53 alias) of the Pusher domain here', value: pusherDomain.regionalDomainName });
    }
    if (pusherWebhookFailureQueue) {
      new CfnOutput(this, 'PusherWebhookFailuresQueueUrl', { description: 'Dead-letter queue of the Pusher webhooks that failed every attempt', value: pusherWebhookFailureQueue.queueUrl });
    }
    if (this.realtime.eventBus) {
      new CfnOutput(this, 'EventBusName', {
        description: 'EventBridge bus of the lifecycle events (docs/events.md)',
        value: this.realtime.eventBus.eventBusName,
      });
    }
  }
}
