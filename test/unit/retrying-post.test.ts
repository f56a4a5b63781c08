import { describe, expect, it } from 'vitest';
import type { JsonPost, JsonResponse } from '../../lambdas/adapters/aws-json/json-post.js';
import { retryingJsonPost } from '../../lambdas/adapters/aws-json/retrying-post.js';

const url = new URL('https://sqs.eu-west-1.amazonaws.com/');

/** A post that answers (or throws) the given outcomes in turn, and the waits the retry took between them. */
function scripted(outcomes: readonly (JsonResponse | Error)[]): { post: JsonPost; calls: () => number; waits: number[] } {
  let calls = 0;
  const waits: number[] = [];
  const raw: JsonPost = async () => {
    const outcome = outcomes[Math.min(calls, outcomes.length - 1)] as JsonResponse | Error;
    calls += 1;
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  const post = retryingJsonPost(raw, { random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
  return { post, calls: () => calls, waits };
}

const ok = { status: 200, body: '{}' };
const networkError = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });

describe('retryingJsonPost (the SDK standard retry strategy)', () => {
  it('retries a reset socket, a timeout and 500/502/503/504, waiting random() * 50 ms * 2^n', async () => {
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    for (const first of [networkError('ECONNRESET'), timeout, { status: 500, body: '' }, { status: 502, body: '' }, { status: 503, body: '' }, { status: 504, body: '' }]) {
      const { post, calls, waits } = scripted([first, ok]);
      await expect(post(url, {}, '{}', 1000)).resolves.toEqual(ok);
      expect(calls()).toBe(2);
      expect(waits).toEqual([25]);
    }
  });

  it('retries throttling (429, or a throttling code under 400) after random() * 1 s * 2^n, 3 attempts in all, then answers the last answer', async () => {
    const throttled = { status: 400, body: '{"__type":"com.amazonaws.sqs#ThrottlingException","message":"Rate exceeded"}' };
    const { post, calls, waits } = scripted([{ status: 429, body: '' }, throttled, throttled, ok]);
    await expect(post(url, {}, '{}', 1000)).resolves.toEqual(throttled);
    expect(calls()).toBe(3);
    expect(waits).toEqual([500, 1000]);
  });

  it('does not retry what a retry cannot mend: 403, 400 validation, 501, an error that is not a network error', async () => {
    for (const answer of [{ status: 403, body: '{"__type":"AccessDeniedException"}' }, { status: 400, body: '{"__type":"ValidationException"}' }, { status: 501, body: '' }]) {
      const { post, calls } = scripted([answer, ok]);
      await expect(post(url, {}, '{}', 1000)).resolves.toEqual(answer);
      expect(calls()).toBe(1);
    }
    const { post, calls } = scripted([new Error('unable to verify the first certificate'), ok]);
    await expect(post(url, {}, '{}', 1000)).rejects.toThrow('certificate');
    expect(calls()).toBe(1);
  });

  it('rejects with the last error when every attempt found no answer', async () => {
    const { post, calls } = scripted([networkError('ECONNREFUSED')]);
    await expect(post(url, {}, '{}', 1000)).rejects.toThrow('ECONNREFUSED');
    expect(calls()).toBe(3);
  });
});
