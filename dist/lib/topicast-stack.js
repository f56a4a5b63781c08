/**
 * The deployable topicast stack: one `RealtimeApi` and the outputs a client or operator needs.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { RealtimeApi } from './realtime-api.js';
export class TopicastStack extends Stack {
    realtime;
    constructor(scope, id, props = {}) {
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
    }
}
