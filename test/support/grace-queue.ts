/**
 * The presence grace timer under the template runtime: `$disconnect` holds a dropped
 * member's row and sends a message to the stack's grace queue. Tests that rejoin within the
 * grace period wait for that message rather than for a fixed pause, which a cold
 * `$disconnect` on a loaded machine outlasted (1.5 s). A rejoin racing `$disconnect` is
 * test/audit/presence-grace-races.test.ts's subject, not theirs.
 */
import { expect } from 'vitest';
import type { LocalRuntime } from '../../local-runtime/runtime.js';

/**
 * Waits until the grace queue holds a message sent at or after `since` (epoch ms).
 * `queueNamePrefix` picks the stack's queue when the app has several (its queues are named `<stack>-…`).
 */
export async function waitForGraceTimer(runtime: LocalRuntime, since: number, timeoutMs: number, queueNamePrefix = ''): Promise<void> {
  const graceQueue = runtime.app.queues.find(({ queueName }) => queueName.startsWith(queueNamePrefix) && queueName.includes('GraceQueue') && !queueName.includes('Failures'));
  if (!graceQueue) throw new Error(`no grace queue named ${queueNamePrefix}…GraceQueue… in the app (${runtime.app.queues.map(({ queueName }) => queueName).join(', ')})`);
  await expect
    .poll(() => (runtime.queues.queue(graceQueue.arn)?.peek() ?? []).some((message) => message.sentTimestamp >= since), { timeout: timeoutMs, message: `no message on ${graceQueue.queueName} since $disconnect` })
    .toBe(true);
}

/**
 * Waits until no presence diff is on its way to a client: the table stream's records handed to
 * their functions, the asynchronous invocations (fan-out batches) done. A post that reaches a
 * dropped socket before its `$disconnect` ran answers 410, and reaping a gone connection leaves
 * at once, without a grace period: a test that drops a member to see its row held drops it after
 * this. (That race is AWS's too, in a narrower window; it is not these tests' subject.)
 */
export async function noDiffOnItsWay(runtime: Pick<LocalRuntime, 'flushStreams' | 'drainAsyncInvocations'>): Promise<void> {
  await runtime.flushStreams();
  await runtime.drainAsyncInvocations();
}
