import { describe, it, expect } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_FANOUT, DEFAULT_LIMITS, resolveConfig } from '../../lambdas/core/config.js';

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
        maxPayloadBytes: 32768,
        maxMetaBytes: 1024,
        maxTopicsPerConnection: 100,
        maxPushesPerWindow: 100,
        rateLimitWindowSeconds: 10,
        maxJsonDepth: 32,
        maxAssignsBytes: 4096,
        channelTimeoutMs: 5000,
      });
      expect(config.fanout).toEqual({ concurrency: 64, workerThreshold: 1000, workerBatchSize: 500, postTimeoutMs: 3000, maxAttempts: 4 });
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
      expect(() => resolveConfig({ limits: { [name]: value } as never })).toThrow(new RegExp(`${name} must be a positive integer`));
    });

    it.each([
      ['concurrency', 0],
      ['workerThreshold', -5],
      ['workerBatchSize', 0.5],
      ['postTimeoutMs', 0],
      ['maxAttempts', 0],
    ])('rejects fan-out setting %s = %s', (name, value) => {
      // Act & Assess
      expect(() => resolveConfig({ fanout: { [name]: value } as never })).toThrow(new RegExp(`${name} must be a positive integer`));
    });

    it.each([0, 101, 2.5, -1])('rejects %s shards', (shards) => {
      // Act & Assess
      expect(() => resolveConfig({ sharding: [{ pattern: 'big:*', shards }] })).toThrow(/sharding for big:\* must be an integer from 1 to 100/);
    });

    it.each([1, 4, 100])('accepts %s shards', (shards) => {
      // Act & Assess
      expect(resolveConfig({ sharding: [{ pattern: 'big:*', shards }] }).sharding).toEqual([{ pattern: 'big:*', shards }]);
    });
  });
});
