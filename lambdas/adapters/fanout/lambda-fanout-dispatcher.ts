/**
 * Hands fan-out batches to the worker function with asynchronous invokes: one request
 * per batch, all in parallel, no queue to poll. The worker is deployed with zero
 * async retries, so a batch is delivered at most once.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FanoutBatch, FanoutDispatcher } from '../../core/ports.js';

export class LambdaFanoutDispatcher implements FanoutDispatcher {
  public constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  public async dispatch(batches: readonly FanoutBatch[]): Promise<void> {
    await Promise.all(
      batches.map((batch) =>
        this.client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: JSON.stringify(batch) })),
      ),
    );
  }
}
