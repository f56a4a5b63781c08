/**
 * `topicast token`: argument parsing, the signed token (checked with jose and with
 * topicast's own verifier), the --stack path with only the two AWS calls stood in for,
 * and the bin itself run as users run it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { main, type CliIo } from '../../cli/main.js';
import { packageBin } from '../support/package-bin.js';
import { parseClaims, parseTokenArgs, parseTtl, secretFromStack, signToken, tokenCommand, UsageError, type AwsClients } from '../../cli/token.js';
import { JwtVerifier } from '../../lambdas/adapters/auth/jwt-verifier.js';

const SECRET = 'cli-test-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Stands in for CloudFormation and Secrets Manager; records each command sent. */
function fakeAws(options: { outputs?: { OutputKey: string; OutputValue: string }[]; stacks?: unknown[]; secret?: string; fail?: Error } = {}) {
  const sent: { service: string; region: string | undefined; command: unknown }[] = [];
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:RealtimeTokenSecret-AbCdEf';
  const clients: AwsClients = {
    cloudFormation: (region) => ({
      send: (async (command: unknown) => {
        sent.push({ service: 'cloudformation', region, command });
        if (options.fail) throw options.fail;
        return { Stacks: options.stacks ?? [{ StackName: 'Topicast', Outputs: options.outputs ?? [{ OutputKey: 'WebSocketUrl', OutputValue: 'wss://x' }, { OutputKey: 'TokenSecretArn', OutputValue: arn }] }] };
      }) as never,
    }),
    secretsManager: (region) => ({
      send: (async (command: unknown) => {
        sent.push({ service: 'secretsmanager', region, command });
        return { SecretString: options.secret ?? 'stack-secret-value' };
      }) as never,
    }),
  };
  return { clients, sent, arn };
}

function capture(env: Record<string, string | undefined> = {}, clients?: AwsClients): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => (out += text),
    err: (text) => (err += text),
    env,
    ...(clients ? { clients } : {}),
    stdout: () => out,
    stderr: () => err,
  };
}

describe('topicast token', () => {
  describe('--ttl', () => {
    it.each([
      ['30s', 30],
      ['3600s', 3600],
      ['30m', 1800],
      ['1h', 3600],
      ['2d', 172_800],
      [' 1h ', 3600],
    ])('reads %j as %i seconds', (text, seconds) => {
      // Act & Assess
      expect(parseTtl(text)).toBe(seconds);
    });

    it.each(['', '1', 'h', '1x', '0h', '-1h', '1.5h', '1 h', '1H', 'one hour', '1h30m'])('refuses %j with a usage error naming the format', (text) => {
      // Act & Assess
      expect(() => parseTtl(text)).toThrow(UsageError);
      expect(() => parseTtl(text)).toThrow(/30m, 1h, 2d/);
    });
  });

  describe('--claim', () => {
    it('reads KEY=VALUE pairs; a repeated key becomes a list; the value may hold "="', () => {
      // Act
      const claims = parseClaims(['role=admin', 'cognito:groups=ops', 'cognito:groups=dev', 'note=a=b', 'empty=']);

      // Assess
      expect(claims).toEqual({ role: 'admin', 'cognito:groups': ['ops', 'dev'], note: 'a=b', empty: '' });
    });

    it.each([
      ['role', /KEY=VALUE/],
      ['=admin', /KEY=VALUE/],
      ['sub=bob', /cannot set "sub"/],
      ['exp=99999999999', /cannot set "exp"/],
      ['nbf=0', /cannot set "nbf"/],
      ['iat=0', /cannot set "iat"/],
      ['iss=x', /--issuer/],
      ['__proto__=x', /cannot set "__proto__"/],
    ])('refuses %j', (pair, message) => {
      // Act & Assess
      expect(() => parseClaims([pair])).toThrow(message);
    });
  });

  describe('arguments', () => {
    it('needs --sub', () => {
      // Act & Assess
      expect(() => parseTokenArgs([], { TOPICAST_TOKEN_SECRET: SECRET })).toThrow(/--sub is required/);
      expect(() => parseTokenArgs(['--sub', ' '], { TOPICAST_TOKEN_SECRET: SECRET })).toThrow(/--sub is required/);
    });

    it('needs a secret from --secret, TOPICAST_TOKEN_SECRET or --stack', () => {
      // Act & Assess
      expect(() => parseTokenArgs(['--sub', 'alice'], {})).toThrow(/TOPICAST_TOKEN_SECRET.*--secret.*--stack/);
      expect(() => parseTokenArgs(['--sub', 'alice'], { TOPICAST_TOKEN_SECRET: '' })).toThrow(UsageError);
    });

    it('takes the secret from the environment, --secret winning over it', () => {
      // Act & Assess
      expect(parseTokenArgs(['--sub', 'alice'], { TOPICAST_TOKEN_SECRET: 'from-env' }).source).toEqual({ kind: 'value', secret: 'from-env' });
      expect(parseTokenArgs(['--sub', 'alice', '--secret', 'flag'], { TOPICAST_TOKEN_SECRET: 'from-env' }).source).toEqual({ kind: 'value', secret: 'flag' });
    });

    it('uses the stack when --stack is given, even with TOPICAST_TOKEN_SECRET set', () => {
      // Act
      const request = parseTokenArgs(['--sub', 'alice', '--stack', 'Topicast', '--region', 'eu-west-1'], { TOPICAST_TOKEN_SECRET: 'local' });

      // Assess
      expect(request.source).toEqual({ kind: 'stack', stackName: 'Topicast', region: 'eu-west-1' });
    });

    it.each([
      [['--sub', 'a', '--secret', 's', '--stack', 'T'], /either --secret or --stack/],
      [['--sub', 'a', '--secret', 's', '--region', 'eu-west-1'], /--region only applies with --stack/],
      [['--sub', 'a', '--stack', ''], /stack name/],
      [['--sub', 'a', '--secret', 's', '--bogus'], /bogus/],
      [['--sub', 'a', '--secret', 's', 'extra'], /extra/],
      [['--sub'], /--sub/],
      [['--sub', 'a', '--secret', 's', '--issuer', ''], /--issuer needs a value/],
    ])('refuses %j', (args, message) => {
      // Act & Assess
      expect(() => parseTokenArgs(args, {})).toThrow(UsageError);
      expect(() => parseTokenArgs(args, {})).toThrow(message);
    });

    it('defaults the lifetime to one hour', () => {
      // Act & Assess
      expect(parseTokenArgs(['--sub', 'alice'], { TOPICAST_TOKEN_SECRET: SECRET }).ttlSeconds).toBe(3600);
    });
  });

  describe('the token', () => {
    it('is HS256, verifies with the same secret and carries sub, iat, exp and the claims', async () => {
      // Prepare
      const request = parseTokenArgs(['--sub', 'alice', '--ttl', '30m', '--claim', 'role=admin', '--claim', 'team=a', '--claim', 'team=b'], { TOPICAST_TOKEN_SECRET: SECRET });
      const now = Math.floor(Date.now() / 1000);

      // Act
      const token = await signToken(request, SECRET, now);

      // Assess
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      expect(payload).toEqual({ sub: 'alice', iat: now, exp: now + 1800, role: 'admin', team: ['a', 'b'] });
    });

    it('sets iss and aud when asked', async () => {
      // Act
      const token = await tokenCommand(['--sub', 'alice', '--issuer', 'https://issuer.example', '--audience', 'app'], { TOPICAST_TOKEN_SECRET: SECRET });

      // Assess
      const { payload } = await jwtVerify(token, key, { issuer: 'https://issuer.example', audience: 'app' });
      expect(payload.sub).toBe('alice');
    });

    it('does not verify with another secret', async () => {
      // Act
      const token = await tokenCommand(['--sub', 'alice'], { TOPICAST_TOKEN_SECRET: SECRET });

      // Assess
      await expect(jwtVerify(token, new TextEncoder().encode('another-secret'))).rejects.toThrow(/signature/);
    });

    it("is accepted by topicast's own verifier, which sees the claims", async () => {
      // Prepare
      const verifier = new JwtVerifier({ secret: () => Promise.resolve(SECRET) });

      // Act
      const token = await tokenCommand(['--sub', 'alice', '--claim', 'role=admin'], { TOPICAST_TOKEN_SECRET: SECRET });
      const identity = await verifier.verify(token);

      // Assess
      expect(identity.sub).toBe('alice');
      expect(identity.claims.role).toBe('admin');
    });

    it('is refused by the verifier once its lifetime is over', async () => {
      // Prepare
      const request = parseTokenArgs(['--sub', 'alice', '--ttl', '60s'], { TOPICAST_TOKEN_SECRET: SECRET });
      const token = await signToken(request, SECRET, Math.floor(Date.now() / 1000) - 3600);

      // Act & Assess
      await expect(new JwtVerifier({ secret: () => Promise.resolve(SECRET) }).verify(token)).rejects.toThrow(/expired/);
    });
  });

  describe('--stack', () => {
    it("reads the stack's TokenSecretArn output, then that secret, in the secret's region", async () => {
      // Prepare
      const aws = fakeAws();

      // Act
      const secret = await secretFromStack('Topicast', 'us-east-1', aws.clients);

      // Assess
      expect(secret).toBe('stack-secret-value');
      expect(aws.sent).toHaveLength(2);
      expect(aws.sent[0]?.service).toBe('cloudformation');
      expect(aws.sent[0]?.region).toBe('us-east-1');
      expect(aws.sent[0]?.command).toBeInstanceOf(DescribeStacksCommand);
      expect((aws.sent[0]?.command as DescribeStacksCommand).input).toEqual({ StackName: 'Topicast' });
      expect(aws.sent[1]?.service).toBe('secretsmanager');
      expect(aws.sent[1]?.region).toBe('eu-west-1');
      expect(aws.sent[1]?.command).toBeInstanceOf(GetSecretValueCommand);
      expect((aws.sent[1]?.command as GetSecretValueCommand).input).toEqual({ SecretId: aws.arn });
    });

    it('signs with the stack secret', async () => {
      // Prepare
      const aws = fakeAws({ secret: 'deployed-secret' });

      // Act
      const token = await tokenCommand(['--sub', 'bob', '--stack', 'Topicast'], { TOPICAST_TOKEN_SECRET: 'local-secret' }, aws.clients);

      // Assess
      const { payload } = await jwtVerify(token, new TextEncoder().encode('deployed-secret'));
      expect(payload.sub).toBe('bob');
      await expect(jwtVerify(token, new TextEncoder().encode('local-secret'))).rejects.toThrow();
    });

    it('says so when the stack has no TokenSecretArn output', async () => {
      // Prepare
      const aws = fakeAws({ outputs: [{ OutputKey: 'Other', OutputValue: 'x' }] });

      // Act & Assess
      await expect(secretFromStack('NotTopicast', undefined, aws.clients)).rejects.toThrow(/NotTopicast has no TokenSecretArn output/);
      expect(aws.sent).toHaveLength(1);
    });

    it('says so when the stack is not found', async () => {
      // Prepare
      const aws = fakeAws({ stacks: [] });

      // Act & Assess
      await expect(secretFromStack('Gone', undefined, aws.clients)).rejects.toThrow(/Gone was not found/);
    });

    it('reports an AWS error with exit status 1 and prints no token', async () => {
      // Prepare
      const error = Object.assign(new Error('Stack with id Gone does not exist'), { name: 'ValidationError' });
      const io = capture({}, fakeAws({ fail: error }).clients);

      // Act
      const status = await main(['token', '--sub', 'alice', '--stack', 'Gone'], io);

      // Assess
      expect(status).toBe(1);
      expect(io.stdout()).toBe('');
      expect(io.stderr()).toContain('Stack with id Gone does not exist');
    });
  });

  describe('main', () => {
    it('prints only the token and a newline, so $(topicast token ...) works', async () => {
      // Prepare
      const io = capture({ TOPICAST_TOKEN_SECRET: SECRET });

      // Act
      const status = await main(['token', '--sub', 'alice'], io);

      // Assess
      expect(status).toBe(0);
      expect(io.stdout()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      expect(io.stderr()).toBe('');
    });

    it.each([
      [['token'], 2, /--sub is required/],
      [['token', '--sub', 'a', '--ttl', '1x'], 2, /--ttl must be/],
      [['mint'], 2, /unknown command "mint"/],
      [[], 2, /usage: topicast <command>/],
    ])('%j exits %i with a message on stderr', async (argv, code, message) => {
      // Prepare
      const io = capture({ TOPICAST_TOKEN_SECRET: SECRET });

      // Act
      const status = await main(argv, io);

      // Assess
      expect(status).toBe(code);
      expect(io.stderr()).toMatch(message);
      expect(io.stdout()).toBe('');
    });

    it.each([[['--help']], [['help']], [['token', '--help']]])('%j prints usage on stdout and exits 0', async (argv) => {
      // Prepare
      const io = capture();

      // Act & Assess
      expect(await main(argv, io)).toBe(0);
      expect(io.stdout()).toMatch(/usage: topicast/);
    });
  });

  describe('the bin', () => {
    it.each([
      ['node cli/topicast.mjs', 'node', ['cli/topicast.mjs']],
      // package.json's bin run as npm links it (shebang, executable bit). Not `npx topicast` in
      // this checkout: npm 11 self-exec installs the repository into its npx cache first (a
      // full `prepare` build), and two such runs at once race on that cache. The installed
      // package's bin is run by test/package/packed-install.test.ts.
      ['the package.json bin, executed', packageBin, []],
    ])('%s token --sub alice prints a token signed with TOPICAST_TOKEN_SECRET', async (_name, command, prefix) => {
      // Act
      const { stdout } = await run(command, [...prefix, 'token', '--sub', 'alice', '--claim', 'role=admin'], {
        cwd: repoRoot,
        env: { ...process.env, TOPICAST_TOKEN_SECRET: SECRET },
        timeout: 30_000,
      });

      // Assess
      const { payload } = await jwtVerify(stdout.trim(), key);
      expect(payload).toMatchObject({ sub: 'alice', role: 'admin' });
    });

    it('exits 2 on a usage error', async () => {
      // Act & Assess
      await expect(run('node', ['cli/topicast.mjs', 'token'], { cwd: repoRoot, env: { ...process.env, TOPICAST_TOKEN_SECRET: SECRET } })).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--sub is required'),
      });
    });
  });
});
