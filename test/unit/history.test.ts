import { describe, expect, it } from 'vitest';
import { resolveConfig, ConfigError } from '../../lambdas/core/config.js';
import { historyFor, isTruncated, PUBLISHER_STALL_SECONDS, readSince, replayRange, type GapEvidence } from '../../lambdas/core/history.js';
import { encodeMessage } from '../../lambdas/core/protocol/codec.js';
import { ProtocolError } from '../../lambdas/core/errors.js';

const retention = { maxMessages: 100, ttlSeconds: 3600 };

describe('history rules', () => {
  describe('historyFor', () => {
    it('is off without a matching pattern and takes the most specific matching one', () => {
      const config = resolveConfig({ history: { 'room:*': { maxMessages: 10 }, 'room:vip': { ttlSeconds: 60 }, '*': {} } });

      expect(historyFor('room:vip', config)).toEqual({ maxMessages: 100, ttlSeconds: 60 });
      expect(historyFor('room:lobby', config)).toEqual({ maxMessages: 10, ttlSeconds: 3600 });
      expect(historyFor('user:1', config)).toEqual({ maxMessages: 100, ttlSeconds: 3600 });
      expect(historyFor('room:lobby', resolveConfig({}))).toBeNull();
    });
  });

  describe('config', () => {
    it('refuses retention outside its ranges, naming the field', () => {
      expect(() => resolveConfig({ history: { 'room:*': { maxMessages: 0 } } })).toThrow(ConfigError);
      expect(() => resolveConfig({ history: { 'room:*': { maxMessages: 1001 } } })).toThrow(/history\.room:\*\.maxMessages/);
      expect(() => resolveConfig({ history: { 'room:*': { ttlSeconds: 8 * 24 * 3600 } } })).toThrow(/ttlSeconds/);
      expect(() => resolveConfig({ history: { 'room:*': { keep: 3 } } as never })).toThrow(/keep is not a setting/);
      expect(() => resolveConfig({ history: ['room:*'] as never })).toThrow(/history/);
    });
  });

  describe('readSince', () => {
    it('reads a non-negative integer and refuses anything else with invalid_frame', () => {
      expect(readSince({})).toBeNull();
      expect(readSince({ since: null })).toBeNull();
      expect(readSince({ since: 0 })).toBe(0);
      expect(readSince({ since: 41 })).toBe(41);
      for (const since of [-1, 1.5, '41', Number.MAX_SAFE_INTEGER + 2, {}]) {
        expect(() => readSince({ since })).toThrow(ProtocolError);
        try {
          readSince({ since });
        } catch (error) {
          expect((error as ProtocolError).reason).toBe('invalid_frame');
        }
      }
    });
  });

  describe('replayRange', () => {
    // Evidence of a read that found `firstFound` first, long before any TTL could matter.
    const found = (firstFound: number | null, more: Partial<GapEvidence> = {}): GapEvidence => ({
      firstFound,
      anchorExpiresAt: null,
      epochFirst: 1001,
      ttlSeconds: 3600,
      nowMs: 2 * 3600 * 1000,
      ...more,
    });

    it('covers since+1 up to the counter when all of it is retained, reading since along as the anchor', () => {
      const range = replayRange(1041, { current: 1050, first: 1001 }, retention);

      expect(range).toEqual({ after: 1041, upTo: 1050, limit: 100, firstMissing: 1042, anchor: 1041 });
      expect(isTruncated(range, found(1042))).toBe(false);
      expect(isTruncated(range, found(1043))).toBe(true);
      expect(isTruncated(range, found(null))).toBe(true);
    });

    it('starts at the oldest retained seq when the gap is longer than maxMessages: cut by count, whatever was found', () => {
      const range = replayRange(1000, { current: 1500, first: 1001 }, retention);

      expect(range).toEqual({ after: 1400, upTo: 1500, limit: 100, firstMissing: 1001, anchor: null });
      expect(isTruncated(range, found(1401))).toBe(true);
      expect(isTruncated(range, found(1401, { anchorExpiresAt: 10_000_000 }))).toBe(true);
    });

    it('starts at the epoch first seq for since 0 or a seq of an expired epoch, and is then not truncated', () => {
      expect(replayRange(0, { current: 5005, first: 5001 }, retention)).toEqual({ after: 5000, upTo: 5005, limit: 100, firstMissing: 5001, anchor: null });
      expect(isTruncated(replayRange(0, { current: 5005, first: 5001 }, retention), found(5001))).toBe(false);
    });

    it('has nothing to replay when the client is up to date or the topic has no counter', () => {
      expect(replayRange(1050, { current: 1050, first: 1001 }, retention)).toBeNull();
      expect(replayRange(2000, { current: 1050, first: 1001 }, retention)).toBeNull();
      expect(replayRange(3, null, retention)).toBeNull();
      expect(isTruncated(null, found(null))).toBe(false);
    });
  });

  describe('a hole (a seq taken, never written) against retention', () => {
    const nowMs = 1_800_000_000_000;
    const nowSeconds = nowMs / 1000;
    const range = replayRange(1041, { current: 1050, first: 1001 }, retention);
    const evidence = (anchorExpiresAt: number | null, epochStartMs = nowMs - 5 * 3600 * 1000): GapEvidence => ({
      firstFound: 1043,
      anchorExpiresAt,
      epochFirst: epochStartMs + 1,
      ttlSeconds: 3600,
      nowMs,
    });

    it('is a hole while since is retained with more than the publisher stall to live: later seqs cannot have expired', () => {
      expect(isTruncated(range, evidence(nowSeconds + 3000))).toBe(false);
      expect(isTruncated(range, evidence(nowSeconds + PUBLISHER_STALL_SECONDS + 2))).toBe(false);
    });

    it('may be retention when since is about to expire, was not read, or the range starts below it', () => {
      expect(isTruncated(range, evidence(nowSeconds + PUBLISHER_STALL_SECONDS))).toBe(true);
      expect(isTruncated(range, evidence(null))).toBe(true);
    });

    it('is a hole when the whole epoch is younger than its TTL, anchor or not', () => {
      expect(isTruncated(range, evidence(null, nowMs - 10_000))).toBe(false);
      expect(isTruncated(range, evidence(null, nowMs - (3600 - PUBLISHER_STALL_SECONDS) * 1000))).toBe(true);
      const fromZero = replayRange(0, { current: 1050, first: 1001 }, retention);
      expect(isTruncated(fromZero, { ...evidence(null, nowMs - 10_000), firstFound: 1002 })).toBe(false);
    });
  });

  describe('frames', () => {
    const broadcast = { topic: 'room:a', event: 'shout', payload: { body: 'hi' }, ref: null, joinRef: null, seq: 42 };

    it('carries seq as a field of native broadcasts', () => {
      expect(JSON.parse(encodeMessage(broadcast, 'native'))).toEqual({ topic: 'room:a', event: 'shout', payload: { body: 'hi' }, seq: 42 });
    });

    it('carries seq in the ref slot of Phoenix V2 broadcasts, the payload unchanged', () => {
      expect(JSON.parse(encodeMessage(broadcast, 'phoenix'))).toEqual([null, '42', 'room:a', 'shout', { body: 'hi' }]);
      expect(JSON.parse(encodeMessage({ ...broadcast, joinRef: '7' }, 'phoenix'))).toEqual(['7', '42', 'room:a', 'shout', { body: 'hi' }]);
    });

    it('leaves frames without seq as they were', () => {
      const { seq: _seq, ...plain } = broadcast;
      expect(JSON.parse(encodeMessage(plain, 'native'))).toEqual({ topic: 'room:a', event: 'shout', payload: { body: 'hi' } });
      expect(JSON.parse(encodeMessage(plain, 'phoenix'))).toEqual([null, null, 'room:a', 'shout', { body: 'hi' }]);
    });
  });
});
