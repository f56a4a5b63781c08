/**
 * The template harness's IAM guard (test/support/template-gateway.ts): a gateway whose
 * functions made a request their role does not allow fails its test when it ends, with the
 * runtime's denial lines. Shown with lib/ minus one grant (test/fixtures/without-push-grant:
 * the push function loses execute-api:ManageConnections), so that a grant a change removes
 * fails every end-to-end test whose scenario needs it, not only the tests that look for it.
 */
import { rmSync } from 'node:fs';
import { withoutGrantAppDir } from '../fixtures/without-push-grant/app-dir.js';
import { afterAll, describe, expect, it } from 'vitest';
import { accessDeniedLines, startTestGateway, type RunningGateway } from '../support/template-gateway.js';
import { connectOk } from '../security/ws-client.js';

// A first invocation starts the function's process: slow on a busy machine.
const COLD_START_MS = 30_000;


const appDir = withoutGrantAppDir();
afterAll(() => rmSync(appDir, { recursive: true, force: true }));

const DENIED = /^AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/Topicast-RealtimePushRole\w*\/Topicast-RealtimePush\w* is not authorized to perform: execute-api:ManageConnections/;

/** Alice pushes on a topic both joined, which the push function cannot post without its grant; resolves once the runtime printed the denial. */
async function pushDenied(gateway: RunningGateway): Promise<void> {
  const alice = await connectOk(`${gateway.url}/local`);
  const bob = await connectOk(`${gateway.url}/local`);
  try {
    expect(await alice.join('room:lobby')).toMatchObject({ status: 'ok' });
    expect(await bob.join('room:lobby')).toMatchObject({ status: 'ok' });
    alice.send({ action: 'push', topic: 'room:lobby', event: 'shout', payload: { text: 'hi' }, ref: '9' });
    await expect.poll(() => gateway.lines.some((line) => DENIED.test(line)), { timeout: COLD_START_MS }).toBe(true);
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

describe('the template harness fails a gateway whose functions were denied', () => {
  it('rejects end() with the denial lines when a grant is missing', async () => {
    const gateway = await startTestGateway({ appDir });
    let ended = false;
    try {
      await pushDenied(gateway);
      const failure = gateway.end();
      ended = true;
      // The message carries every denial line, so the failing test says which call and which role.
      const message = await failure.then(
        () => 'end() resolved',
        (error: Error) => error.message,
      );
      const denied = accessDeniedLines(gateway.lines);
      expect(denied.some((line) => DENIED.test(line))).toBe(true);
      for (const line of denied) expect(message).toContain(line);
    } finally {
      if (!ended) await gateway.end().catch(() => undefined);
    }
  });

  it('ends quietly with the opt-out, for a test that provokes the denial itself', async () => {
    const gateway = await startTestGateway({ appDir, allowAccessDenied: true });
    try {
      await pushDenied(gateway);
    } finally {
      await gateway.end();
    }
  });
});
