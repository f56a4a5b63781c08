/**
 * Hands fan-out batches to the worker function with asynchronous invokes: one request
 * per batch, all in parallel, no queue to poll. The worker is deployed with zero
 * async retries, so a batch is delivered at most once.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
export class LambdaFanoutDispatcher {
    client;
    functionName;
    constructor(client, functionName) {
        this.client = client;
        this.functionName = functionName;
    }
    async dispatch(batches) {
        await Promise.all(batches.map((batch) => this.client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: JSON.stringify(batch) }))));
    }
}
