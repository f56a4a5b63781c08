import { describe, it, expect } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, DEFAULT_FANOUT, DEFAULT_LIMITS, resolveConfig } from '../../lambdas/core/config.js';
import { configFromEnvironment } from '../../lambdas/composition/environment/settings.js';

describe('config', () => {
  describe('resolveConfig', () => {
    it('returns the documented defaults without input', () => {
      // Act
      const config = resolveConfig();

      // Assess
      expect(config).toEqual(DEFAULT_CONFIG);
      expect(config).toMatchObject({
        auth: 'optional',
        allowedOrigins: [],
        presenceDisabled: [],
        topicRules: [],
        sharding: [],
        connectionTtlSeconds: 7500,
      });
      expect(config.limits).toEqual({
        maxPayloadBytes: 28672,
        maxMetaBytes: 1024,
        maxTopicsPerConnection: 100,
        maxPushesPerWindow: 100,
        pushesPerCounterWrite: 10,
        maxJoinsPerWindow: 50,
        rateLimitWindowSeconds: 10,
        maxJsonDepth: 32,
        maxAssignsBytes: 4096,
        channelTimeoutMs: 5000,
      });
      expect(config.fanout).toEqual({ concurrency: 64, workerThreshold: 250, workerBatchSize: 500, postTimeoutMs: 3000, maxAttempts: 4, retryBaseDelayMs: 100, retryMaxDelayMs: 2000, deadlineMarginMs: 1000 });
    });

    it('keeps API Gateway 2 h connection cap inside the connection TTL', () => {
      // Act & Assess
      expect(resolveConfig().connectionTtlSeconds).toBeGreaterThan(2 * 60 * 60);
    });

    it('merges partial limits and fan-out settings over the defaults', () => {
      // Act
      const config = resolveConfig({ limits: { maxPushesPerWindow: 3 }, fanout: { workerThreshold: 10 } });

      // Assess
      expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxPushesPerWindow: 3 });
      expect(config.fanout).toEqual({ ...DEFAULT_FANOUT, workerThreshold: 10 });
    });

    it('ignores limits given as undefined', () => {
      // Act
      const config = resolveConfig({ limits: { maxPayloadBytes: undefined, maxTopicsPerConnection: 2 } as never });

      // Assess
      expect(config.limits.maxPayloadBytes).toBe(DEFAULT_LIMITS.maxPayloadBytes);
      expect(config.limits.maxTopicsPerConnection).toBe(2);
    });

    it('merges over a given base', () => {
      // Prepare
      const base = resolveConfig({ auth: 'required', limits: { maxMetaBytes: 10 } });

      // Act
      const config = resolveConfig({ limits: { maxJsonDepth: 8 } }, base);

      // Assess
      expect(config.auth).toBe('required');
      expect(config.limits).toMatchObject({ maxMetaBytes: 10, maxJsonDepth: 8 });
    });

    it('does not share or mutate the defaults', () => {
      // Act
      resolveConfig({ limits: { maxPushesPerWindow: 1 } });

      // Assess
      expect(DEFAULT_LIMITS.maxPushesPerWindow).toBe(100);
    });

    it.each(['none', 'optional', 'required'] as const)('accepts auth mode %s', (auth) => {
      // Act & Assess
      expect(resolveConfig({ auth }).auth).toBe(auth);
    });

    it.each(['sometimes', '', 'REQUIRED'])('rejects auth mode %j', (auth) => {
      // Act & Assess
      expect(() => resolveConfig({ auth: auth as never })).toThrow(/auth must be one of/);
    });

    it.each([
      ['maxPayloadBytes', 0],
      ['maxTopicsPerConnection', -1],
      ['maxPushesPerWindow', 1.5],
      ['rateLimitWindowSeconds', Number.NaN],
      ['maxJsonDepth', Number.POSITIVE_INFINITY],
      ['maxMetaBytes', '10'],
    ])('rejects limit %s = %s', (name, value) => {
      // Act & Assess
      expect(() => resolveConfig({ limits: { [name]: value } as never })).toThrow(new RegExp(`limits\\.${name} must be an integer`));
    });

    it.each([
      ['concurrency', 0],
      ['workerThreshold', -5],
      ['workerBatchSize', 0.5],
      ['postTimeoutMs', 0],
      ['maxAttempts', 0],
    ])('rejects fan-out setting %s = %s', (name, value) => {
      // Act & Assess
      expect(() => resolveConfig({ fanout: { [name]: value } as never })).toThrow(new RegExp(`fanout\\.${name} must be an integer`));
    });

    it.each([0, 101, 2.5, -1])('rejects %s shards', (shards) => {
      // Act & Assess
      expect(() => resolveConfig({ sharding: [{ pattern: 'big:*', shards }] })).toThrow(/sharding\.0\.shards must be an integer from 1 to 100/);
    });

    it.each([1, 4, 100])('accepts %s shards', (shards) => {
      // Act & Assess
      expect(resolveConfig({ sharding: [{ pattern: 'big:*', shards }] }).sharding).toEqual([{ pattern: 'big:*', shards }]);
    });
  });

  describe('validation (valibot schema)', () => {
    it.each([
      ['a string', '7500'],
      ['a negative number', -7500],
      ['less than 2 h and a margin', 7200],
      ['a fraction', 7500.5],
    ])('refuses connectionTtlSeconds as %s, naming the field', (_name, value) => {
      // Act & Assess
      expect(() => resolveConfig({ connectionTtlSeconds: value as never })).toThrow(/^invalid topicast config: connectionTtlSeconds must be an integer from 7260 to 604800/);
    });

    it('accepts a connection TTL just above 2 h and a minute', () => {
      expect(resolveConfig({ connectionTtlSeconds: 7260 }).connectionTtlSeconds).toBe(7260);
    });

    it('refuses an unknown setting, so a misspelt key is not silently ignored', () => {
      expect(() => resolveConfig({ limits: { maxPayloadByte: 10 } } as never)).toThrow('limits.maxPayloadByte is not a setting');
    });

    it('reports every problem at once, each with its path', () => {
      // Act
      const error = catchError(() => resolveConfig({ limits: { maxMetaBytes: '10' }, topicRules: [{ pattern: 'a:*', allowAnonymous: 'no' }] } as never));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'limits.maxMetaBytes must be an integer of at least 1, got "10"',
        'topicRules.0.allowAnonymous must be true or false, got "no"',
      ]);
    });

    it('refuses a payload limit API Gateway could never carry', () => {
      expect(() => resolveConfig({ limits: { maxPayloadBytes: 200_000 } })).toThrow(/limits\.maxPayloadBytes must be an integer from 1 to 126976/);
    });

    it('refuses TOPICAST_CONFIG with a wrong type and TOPICAST_AUTH with an unknown mode', () => {
      expect(() => configFromEnvironment({ TOPICAST_CONFIG: '{"connectionTtlSeconds":"7500"}' })).toThrow(/connectionTtlSeconds must be an integer/);
      expect(() => configFromEnvironment({ TOPICAST_AUTH: 'sometimes' })).toThrow(/auth must be one of none, optional, required, got "sometimes"/);
    });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
