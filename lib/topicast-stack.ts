/**
 * The deployable topicast stack: one `RealtimeApi` and the outputs a client or operator needs.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RealtimeApi, type RealtimeApiProps } from './realtime-api.js';

export interface TopicastStackProps extends StackProps {
  /**
   * Props of the `RealtimeApi` construct (auth, stage, limits, ...).
   * @default - the construct's defaults (see docs/infrastructure.md)
   */
  readonly realtime?: RealtimeApiProps;
}

export class TopicastStack extends Stack {
  public readonly realtime: RealtimeApi;

  constructor(scope: Construct, id: string, props: TopicastStackProps = {}) {
    super(scope, id, props);

    this.realtime = new RealtimeApi(this, 'Realtime', props.realtime);

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
    if (this.realtime.eventBus) {
      new CfnOutput(this, 'EventBusName', {
        description: 'EventBridge bus of the lifecycle events (docs/events.md)',
        value: this.realtime.eventBus.eventBusName,
      });
    }
  }
}
