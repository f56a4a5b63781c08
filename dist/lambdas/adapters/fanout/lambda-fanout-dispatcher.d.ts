/**
 * Hands fan-out batches to the worker function with asynchronous invokes: one request
 * per batch, all in parallel, no queue to poll. The worker is deployed with zero
 * async retries, so a batch is delivered at most once.
 */
import { type LambdaClient } from '@aws-sdk/client-lambda';
import type { FanoutBatch, FanoutDispatcher } from '../../core/ports.js';
export declare class LambdaFanoutDispatcher implements FanoutDispatcher {
    private readonly client;
    private readonly functionName;
    constructor(client: LambdaClient, functionName: string);
    dispatch(batches: readonly FanoutBatch[]): Promise<void>;
}
