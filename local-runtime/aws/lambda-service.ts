/**
 * Lambda's Invoke behind the local AWS endpoint: `RequestResponse` answers with the
 * function's result (a function error is a 200 with `X-Amz-Function-Error: Unhandled`, as
 * Lambda answers it), `Event` answers 202 at once and runs the function with the
 * template's async invoke settings: retries (default 2, 1 min then 2 min apart; here
 * 1 s and 2 s so that a local run does not wait), maximum event age, and the on-failure
 * destination: an SQS queue of the template gets Lambda's invocation record (sent as the
 * function's role, which must allow `sqs:SendMessage` on it, as on AWS); another kind of
 * destination is reported in the log.
 */
import type { ServerResponse } from 'node:http';
import { functionArn, type InvokeConfigModel } from '../assembly/local-app.js';
import type { FunctionRunner } from '../runner/function-runner.js';

export interface LambdaServiceOptions {
  readonly runners: ReadonlyMap<string, FunctionRunner>;
  readonly invokeConfigs: readonly InvokeConfigModel[];
  readonly log: (line: string) => void;
  /** Delivers an on-failure record to a destination; false when it cannot be delivered locally (the record is then printed). */
  readonly onFailure?: (destinationArn: string, functionArn: string, record: Record<string, unknown>) => Promise<boolean>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const RETRY_DELAYS_MS = [1000, 2000];

export class LambdaService {
  private readonly pending = new Set<Promise<void>>();

  public constructor(private readonly options: LambdaServiceOptions) {}

  /** The ARN of the function an Invoke path names (a name, a partial or a full ARN), or undefined. */
  public static functionOf(url: string | undefined): string | undefined {
    const match = INVOKE_PATH.exec(new URL(url ?? '/', 'http://local').pathname);
    if (!match) return undefined;
    const named = decodeURIComponent(match[1] as string).replace(/:(\$LATEST|\d+)$/, '');
    return named.startsWith('arn:') ? named : functionArn(named);
  }

  public async invoke(arn: string, invocationType: string, payload: Buffer, response: ServerResponse): Promise<void> {
    const runner = this.options.runners.get(arn);
    if (!runner) {
      response
        .writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' })
        .end(JSON.stringify({ Type: 'User', message: `Function not found: ${arn}` }));
      return;
    }
    let event: unknown;
    try {
      event = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
    } catch {
      response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidRequestContentException' }).end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return;
    }
    if (invocationType === 'DryRun') {
      response.writeHead(204).end();
      return;
    }
    if (invocationType === 'Event') {
      response.writeHead(202).end();
      this.enqueue(arn, event);
      return;
    }
    const invocation = await runner.invoke(event);
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': invocation.requestId };
    if (invocation.status === 'returned') response.writeHead(200, headers).end(JSON.stringify(invocation.result));
    else response.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' }).end(JSON.stringify(invocation.error));
  }

  /** An asynchronous (`Event`) invocation, as EventBridge and the Invoke API make it; false when the function is not run. */
  public enqueue(arn: string, event: unknown): boolean {
    const runner = this.options.runners.get(arn);
    if (!runner) return false;
    const running = this.runAsync(runner, arn, event).catch((error: unknown) => this.options.log(`async invoke of ${runner.fn.functionName} failed: ${String(error)}`));
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running));
    return true;
  }

  /** Waits for the asynchronous invocations under way (and their retries). */
  public async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async runAsync(runner: FunctionRunner, arn: string, event: unknown): Promise<void> {
    const config = this.options.invokeConfigs.find((candidate) => candidate.functionArn === arn);
    const retries = config?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (config?.maximumEventAgeSeconds ?? 21_600) * 1000;
    const queuedAt = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      const invocation = await runner.invoke(event);
      if (invocation.status === 'returned') return;
      const expired = Date.now() - queuedAt >= maxAgeMs;
      if (attempt >= retries || expired) {
        const why = expired ? 'its maximum event age passed' : `${String(attempt + 1)} attempts failed (${invocation.error.errorType}: ${invocation.error.errorMessage})`;
        const destination = config?.onFailureDestination;
        const record = {
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: { requestId: invocation.requestId, functionArn: `${arn}:$LATEST`, condition: expired ? 'EventAgeExceeded' : 'RetriesExhausted', approximateInvokeCount: attempt + 1 },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: invocation.error,
        };
        const delivered = destination !== undefined && (await (this.options.onFailure?.(destination, arn, record) ?? Promise.resolve(false)));
        this.options.log(
          delivered
            ? `async invoke of ${runner.fn.functionName} failed: ${why}; the record was sent to its on-failure destination ${String(destination)}`
            : destination
              ? `async invoke of ${runner.fn.functionName} dropped: ${why}; on AWS the record goes to its on-failure destination ${destination}`
              : `async invoke of ${runner.fn.functionName} dropped: ${why}`,
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt] ?? 2000));
    }
  }
}
