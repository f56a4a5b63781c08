/**
 * An execution environment whose process cannot start (its code folder is gone: a bundle
 * folder removed under a running runtime) fails the invocation, as Lambda reports a runtime
 * that exited, instead of leaving it waiting forever: Node emits 'error' and no 'exit' then.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionModel } from '../../local-runtime/assembly/local-app.js';
import { FunctionRunner } from '../../local-runtime/runner/function-runner.js';

const GONE = '/nonexistent/topicast-code-folder';

describe('function runner', () => {
  it('fails the invocation of a function whose code folder does not exist, and keeps serving', async () => {
    const fn: FunctionModel = { logicalId: 'Gone', stackName: 'Test', functionName: 'Test-Gone', arn: 'arn:aws:lambda:us-east-1:000000000000:function:Test-Gone', codeDir: GONE, handler: 'index.handler', runtime: 'nodejs22.x', environment: {}, timeoutSeconds: 30, memoryMb: 128, roleArn: undefined };
    const runner = new FunctionRunner(fn, { environment: { PATH: process.env.PATH ?? '', _HANDLER: fn.handler, LAMBDA_TASK_ROOT: GONE }, log: () => undefined });
    try {
      const first = await runner.invoke({});
      expect(first).toMatchObject({ status: 'failed', timedOut: false, error: { errorType: 'Runtime.ExitError' } });
      expect(await runner.invoke({})).toMatchObject({ status: 'failed' });
    } finally {
      runner.reset();
    }
  }, 20_000);
});
