/**
 * `npm start`'s flags and environment, as the local gateway documented them, become the
 * context of this repository's CDK app and the runtime's secret values (cli/npm-start.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NpmStartError, npmStartOptions, PUSHER_SECRET_PATH, TOKEN_SECRET_PATH } from '../../cli/npm-start.js';

const configOf = (options: ReturnType<typeof npmStartOptions>) => JSON.parse(options.context.config ?? '{}') as Record<string, unknown>;

describe('npm start options', () => {
  it('runs this repository’s app on port 3001, stage local, tokens optional, watched and cached', () => {
    const options = npmStartOptions({}, {});
    expect(options).toMatchObject({ port: 3001, quiet: false, watch: true, cache: true, assemblyDir: undefined, secretValues: {} });
    expect(options.appDir.endsWith('/')).toBe(true);
    expect(options.context.stageName).toBe('local');
    expect(configOf(options)).toEqual({ auth: 'optional' });
  });

  it('maps the flags: port, data dir, stage, quiet, channels (absolute), lifecycle events', () => {
    const options = npmStartOptions({ port: '4000', 'data-dir': '.data', stage: 'dev', quiet: true, channel: ['examples/chat/room.ts'], 'lifecycle-events': true }, {}, '/work/app');
    expect(options).toMatchObject({ port: 4000, dataDir: '.data', quiet: true });
    expect(options.context).toMatchObject({ stageName: 'dev', channels: '/work/app/examples/chat/room.ts' });
    expect(configOf(options)).toMatchObject({ lifecycleEvents: true });
  });

  it('merges TOPICAST_CONFIG, TOPICAST_AUTH and TOPICAST_ALLOWED_ORIGINS under --config, which wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'topicast-npm-start-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auth: 'required', limits: { maxTopicsPerConnection: 5 }, lifecycleEvents: { source: 'my.app' } }));
    const env = { TOPICAST_CONFIG: '{"auth":"none","presenceDisabled":["broadcast:*"]}', TOPICAST_ALLOWED_ORIGINS: 'https://a.example, https://b.example', PORT: '3005' };
    const options = npmStartOptions({ config: 'config.json', 'lifecycle-events': true }, env, dir);
    expect(options.port).toBe(3005);
    expect(configOf(options)).toEqual({ auth: 'required', presenceDisabled: ['broadcast:*'], allowedOrigins: ['https://a.example', 'https://b.example'], limits: { maxTopicsPerConnection: 5 }, lifecycleEvents: { source: 'my.app' } });
    expect(configOf(npmStartOptions({}, { TOPICAST_AUTH: 'none' }))).toEqual({ auth: 'none' });
  });

  it('gives the token secret and the Pusher app its values, and turns Pusher on with all three variables', () => {
    const options = npmStartOptions({}, { TOPICAST_TOKEN_SECRET: 'dev', TOPICAST_PUSHER_APP_ID: '1', TOPICAST_PUSHER_KEY: 'key', TOPICAST_PUSHER_SECRET: 'shh', TOPICAST_PUSHER_WEBHOOK_URL: 'http://127.0.0.1:9/hook', TOPICAST_JWKS_URL: 'https://id.example/jwks.json' });
    expect(options.secretValues).toEqual({ [TOKEN_SECRET_PATH]: 'dev', [PUSHER_SECRET_PATH]: 'shh' });
    expect(options.context).toMatchObject({ pusherAppId: '1', pusherKey: 'key', pusherWebhookUrl: 'http://127.0.0.1:9/hook', jwksUrl: 'https://id.example/jwks.json' });
    expect(() => npmStartOptions({}, { TOPICAST_PUSHER_APP_ID: '1' })).toThrow(NpmStartError);
  });

  it('refuses a port that is not one, and settings that are not JSON', () => {
    expect(() => npmStartOptions({ port: 'x' }, {})).toThrow(/invalid port x/);
    expect(() => npmStartOptions({}, { TOPICAST_CONFIG: '{' })).toThrow(/TOPICAST_CONFIG is not valid JSON/);
  });
});
