/**
 * Invocations that arrive together on a function with no warm environment (32 clients
 * connecting at once, frames in one TCP read) each get an environment of their own, as
 * Lambda gives each concurrent request one: none may be handed an environment another
 * invocation has just claimed (its result would be lost and the caller would wait for the
 * timeout: the 500s bench/capacity.ts saw under concurrent cold starts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionModel } from '../../local-runtime/assembly/local-app.js';
import { FunctionRunner } from '../../local-runtime/runner/function-runner.js';

const codeDir = mkdtempSync(join(tmpdir(), 'runner-concurrency-'));
writeFileSync(join(codeDir, 'index.js'), 'exports.handler = async (event) => ({ echo: event.n, pid: process.pid });');

const fn: FunctionModel = {
  logicalId: 'Echo',
  stackName: 'Test',
  functionName: 'Test-Echo',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:Test-Echo',
  codeDir,
  handler: 'index.handler',
  runtime: 'nodejs22.x',
  environment: {},
  timeoutSeconds: 5,
  memoryMb: 128,
  roleArn: undefined,
};

describe('FunctionRunner: concurrent invocations on a cold function', () => {
  const runner = new FunctionRunner(fn, { environment: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: codeDir, _HANDLER: 'index.handler' }, log: () => undefined, maxEnvironments: 10 });
  afterAll(() => runner.reset());

  it('gives each of invocations started in one tick its own environment and its own result', async () => {
    const invocations = await Promise.all(Array.from({ length: 6 }, (_, n) => runner.invoke({ n })));
    expect(invocations.map((invocation) => invocation.status)).toEqual(Array(6).fill('returned'));
    expect(invocations.map((invocation) => (invocation.status === 'returned' ? (invocation.result as { echo: number }).echo : -1))).toEqual([0, 1, 2, 3, 4, 5]);
    const pids = new Set(invocations.map((invocation) => (invocation.status === 'returned' ? (invocation.result as { pid: number }).pid : 0)));
    expect(pids.size).toBe(6);
  });

  it('queues invocations beyond the environment limit until one is free, losing none', async () => {
    const limited = new FunctionRunner(fn, { environment: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: codeDir, _HANDLER: 'index.handler' }, log: () => undefined, maxEnvironments: 2 });
    try {
      const invocations = await Promise.all(Array.from({ length: 7 }, (_, n) => limited.invoke({ n })));
      expect(invocations.map((invocation) => (invocation.status === 'returned' ? (invocation.result as { echo: number }).echo : invocation.error.errorType))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(new Set(invocations.map((invocation) => (invocation.status === 'returned' ? (invocation.result as { pid: number }).pid : 0))).size).toBe(2);
    } finally {
      limited.reset();
    }
  });
});
