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
