import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { PusherConfigurationError, pusherAppLoaderFromEnvironment, type SecretValueClient } from '../../../lambdas/adapters/pusher/app-credentials.js';

/** Secrets Manager cannot run here: a client that answers from a map and records what it was asked. */
function secretsManager(values: Record<string, string>, failures = 0): SecretValueClient & { asked: string[] } {
  const asked: string[] = [];
  let failing = failures;
  return {
    asked,
    async send(command: GetSecretValueCommand) {
      const id = command.input.SecretId as string;
      asked.push(id);
      if (failing > 0) {
        failing -= 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return { SecretString: values[id] };
    },
  };
}

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pusher-AbCdEf';

describe('the Pusher app credentials loader', () => {
  it('is off (null) when nothing is set, and never builds a client', () => {
    expect(pusherAppLoaderFromEnvironment({}, () => { throw new Error('no client should be made'); })).toBeNull();
  });

  it('takes the secret from the environment locally', async () => {
    const load = pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_APP_ID: '1', TOPICAST_PUSHER_KEY: 'k', TOPICAST_PUSHER_SECRET: 's' }, () => {
      throw new Error('no client should be made');
    });
    await expect(load!()).resolves.toEqual({ appId: '1', key: 'k', secret: 's' });
  });

  it('reads the secret from Secrets Manager once per execution environment, deployed', async () => {
    const client = secretsManager({ [ARN]: 'the-secret' });
    let clients = 0;
    const load = pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_APP_ID: '42', TOPICAST_PUSHER_KEY: 'app-key', TOPICAST_PUSHER_SECRET_ARN: ARN }, () => {
      clients += 1;
      return client;
    })!;
    expect(client.asked).toEqual([]);
    const [first, second] = await Promise.all([load(), load()]);
    await load();
    expect(first).toEqual({ appId: '42', key: 'app-key', secret: 'the-secret' });
    expect(second).toBe(first);
    expect(client.asked).toEqual([ARN]);
    expect(clients).toBe(1);
  });

  it('retries a failed read on the next call instead of keeping the failure', async () => {
    const client = secretsManager({ [ARN]: 'the-secret' }, 1);
    const load = pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_APP_ID: '42', TOPICAST_PUSHER_KEY: 'k', TOPICAST_PUSHER_SECRET_ARN: ARN }, () => client)!;
    await expect(load()).rejects.toThrow('Rate exceeded');
    await expect(load()).resolves.toMatchObject({ secret: 'the-secret' });
    expect(client.asked).toEqual([ARN, ARN]);
  });

  it('refuses a secret without a string value', async () => {
    const load = pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_APP_ID: '42', TOPICAST_PUSHER_KEY: 'k', TOPICAST_PUSHER_SECRET_ARN: ARN }, () => secretsManager({}))!;
    await expect(load()).rejects.toThrow(/has no string value/);
  });

  it('names everything missing when Pusher is only partly configured', () => {
    const attempt = () => pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_KEY: 'k' }, () => secretsManager({}));
    expect(attempt).toThrow(PusherConfigurationError);
    expect(attempt).toThrow(/TOPICAST_PUSHER_APP_ID must be .*; set TOPICAST_PUSHER_SECRET \(locally\) or TOPICAST_PUSHER_SECRET_ARN \(deployed\)/);
    expect(() => pusherAppLoaderFromEnvironment({ TOPICAST_PUSHER_APP_ID: 'a/b', TOPICAST_PUSHER_KEY: 'k', TOPICAST_PUSHER_SECRET: 's' }, () => secretsManager({}))).toThrow(
      /TOPICAST_PUSHER_APP_ID must be 1 to 64 letters/,
    );
  });
});
