import { describe, expect, it } from 'vitest';
import { SqsGraceTimer } from '../../lambdas/adapters/sqs/sqs-grace-timer.js';
import type { JsonPost } from '../../lambdas/adapters/aws-json/json-post.js';
import type { HeldMember } from '../../lambdas/core/presence-grace.js';

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
const held = [{ topic: 'room:a', connectionId: 'c1' }] as unknown as HeldMember[];

function timerWith(post: JsonPost): SqsGraceTimer {
  return new SqsGraceTimer({ queueUrl: 'http://127.0.0.1:1/000000000000/grace', region: 'us-east-1', credentials, post });
}

describe('SqsGraceTimer', () => {
  it('sends again after a reset socket or a 500, as the SDK retries them, so the member keeps its grace period', async () => {
    // Prepare: a reset connection, then a 500, then SQS accepts
    const answers: (() => Promise<{ status: number; body: string }>)[] = [
      () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      async () => ({ status: 500, body: '{"__type":"InternalError"}' }),
      async () => ({ status: 200, body: '{"Successful":[{"Id":"0"}]}' }),
    ];
    let calls = 0;
    const timer = timerWith(() => (answers[calls++] as () => Promise<{ status: number; body: string }>)());

    // Act
    await timer.schedule(held, 4000);

    // Assess
    expect(calls).toBe(3);
  });

  it('sends again after SQS throttled it (400 ThrottlingException), waiting as the SDK does after throttling', async () => {
    // Prepare: throttled once, then accepted
    let calls = 0;
    const waits: number[] = [];
    const post: JsonPost = async () => (++calls === 1 ? { status: 400, body: '{"__type":"com.amazonaws.sqs#ThrottlingException","message":"Rate exceeded"}' } : { status: 200, body: '{"Successful":[{"Id":"0"}]}' });
    const timer = new SqsGraceTimer({ queueUrl: 'http://127.0.0.1:1/000000000000/grace', region: 'us-east-1', credentials, post, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });

    // Act
    await timer.schedule(held, 4000);

    // Assess
    expect(calls).toBe(2);
    expect(waits).toEqual([500]);
  });

  it('does not retry a refusal (403): the caller releases the presence at once', async () => {
    let calls = 0;
    const timer = timerWith(async () => {
      calls += 1;
      return { status: 403, body: '{"__type":"AccessDenied"}' };
    });

    await expect(timer.schedule(held, 4000)).rejects.toThrow('SendMessageBatch answered 403');
    expect(calls).toBe(1);
  });
});
