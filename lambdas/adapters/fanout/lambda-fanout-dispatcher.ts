/**
 * Hands fan-out batches to the worker function with asynchronous invokes: one request
 * per batch, all in parallel, no queue to poll. The worker is deployed with zero
 * async retries, so a batch is delivered at most once. Each invoke stands alone: one
 * refused hand-over is reported, and the others still go.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DispatchResult, FanoutBatch, FanoutDispatcher } from '../../core/ports.js';

export class LambdaFanoutDispatcher implements FanoutDispatcher {
  public constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  public async dispatch(batches: readonly FanoutBatch[]): Promise<DispatchResult> {
    const settled = await Promise.allSettled(
      batches.map((batch) =>
        this.client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: JSON.stringify(batch) })),
      ),
    );
    const failed = settled.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ batch: batches[index] as FanoutBatch, error: String(outcome.reason) }] : []));
    return { dispatched: batches.length - failed.length, failed };
  }
}
