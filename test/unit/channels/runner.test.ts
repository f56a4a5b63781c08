/**
 * The module runner on its own: user code runs with a deadline, and whatever it does
 * (throw, hang, return nonsense) comes back as a closed outcome, logged with the module,
 * topic and event. No mocks: the logger records, the callbacks are plain functions.
 */
import { describe, expect, it } from 'vitest';
import { readHandleInResult, readJoinResult, runHandleIn, runJoin, runLeave, type CallbackSite } from '../../../lambdas/core/channels/runner.js';
import { recordingLogger } from '../../support/topicast-harness.js';

const site: CallbackSite = { module: 'examples/room.ts', callback: 'handleIn', topic: 'room:1', event: 'shout', connectionId: 'c-1' };

function settings(timeoutMs = 1000) {
  const logger = recordingLogger();
  return { logger, timeoutMs };
}

describe('channel module runner', () => {
  describe('join', () => {
    it('reads { ok } and { error } into outcomes, and logs nothing', async () => {
      // Prepare
      const s = settings();

      // Act
      const ok = await runJoin(s, { ...site, callback: 'join' }, () => ({ ok: { welcome: 'ann' } }));
      const refused = await runJoin(s, { ...site, callback: 'join' }, async () => ({ error: { reason: 'name_required', field: 'name' } }));
      const empty = await runJoin(s, { ...site, callback: 'join' }, () => ({ ok: undefined }));

      // Assess
      expect(ok).toEqual({ status: 'ok', response: { welcome: 'ann' } });
      expect(refused).toEqual({ status: 'error', response: { reason: 'name_required', field: 'name' } });
      expect(empty).toEqual({ status: 'ok', response: {} });
      expect(s.logger.entries).toEqual([]);
    });

    it('turns a synchronous throw and a rejection into failed, logged with module, callback, topic and the error', async () => {
      // Prepare
      const s = settings();

      // Act
      const thrown = await runJoin(s, { ...site, callback: 'join', event: undefined }, () => {
        throw new Error('membership service down');
      });
      const rejected = await runJoin(s, { ...site, callback: 'join', event: undefined }, () => Promise.reject(new TypeError('x is undefined')));

      // Assess
      expect([thrown, rejected]).toEqual([{ status: 'failed' }, { status: 'failed' }]);
      expect(s.logger.entries.map((e) => [e.level, e.message, e.fields.module, e.fields.callback, e.fields.topic, e.fields.error])).toEqual([
        ['error', 'channel callback failed', 'examples/room.ts', 'join', 'room:1', 'Error: membership service down'],
        ['error', 'channel callback failed', 'examples/room.ts', 'join', 'room:1', 'TypeError: x is undefined'],
      ]);
      expect(String(s.logger.entries[0]?.fields.stack)).toContain('runner.test.ts');
    });
  });

  describe('handleIn', () => {
    it('reads replies and noreply', async () => {
      // Prepare
      const s = settings();

      // Act
      const outcomes = await Promise.all([
        runHandleIn(s, site, () => ({ reply: { ok: { id: 1 } } })),
        runHandleIn(s, site, () => ({ reply: { error: { reason: 'too_long', max: 10 } } })),
        runHandleIn(s, site, () => ({ noreply: true })),
      ]);

      // Assess
      expect(outcomes).toEqual([{ status: 'ok', response: { id: 1 } }, { status: 'error', response: { reason: 'too_long', max: 10 } }, { status: 'noreply' }]);
      expect(s.logger.entries).toEqual([]);
    });

    it('fails a callback that does not settle within the timeout, and logs the event', async () => {
      // Prepare
      const s = settings(30);

      // Act
      const outcome = await runHandleIn(s, site, () => new Promise(() => undefined));

      // Assess
      expect(outcome).toEqual({ status: 'failed' });
      expect(s.logger.entries[0]?.fields).toMatchObject({ module: 'examples/room.ts', topic: 'room:1', event: 'shout', connectionId: 'c-1', error: 'did not finish within 30 ms' });
    });

    it('fails a result of the wrong shape instead of sending it, and says what was wrong', async () => {
      // Prepare
      const s = settings();
      const wrong: unknown[] = [undefined, null, 'ok', { ok: {} }, { reply: 'ok' }, { reply: { ok: [1] } }, { reply: { error: {} } }, { reply: { error: { reason: '' } } }, { reply: { ok: {}, error: { reason: 'x' } } }, { noreply: false }];

      // Act
      const outcomes = await Promise.all(wrong.map((value) => runHandleIn(s, site, () => value)));

      // Assess
      expect(outcomes.every((o) => o.status === 'failed')).toBe(true);
      expect(s.logger.entries).toHaveLength(wrong.length);
      expect(s.logger.entries[0]?.fields.error).toBe('handleIn must return { reply: { ok: response } }, { reply: { error: { reason } } } or { noreply: true }, got undefined');
      expect(s.logger.entries[6]?.fields.error).toBe('the error response must be an object with a string reason, got an object with keys []');
    });
  });

  describe('leave', () => {
    it('is done whatever it returns, and failed (logged) when it throws', async () => {
      // Prepare
      const s = settings();

      // Act
      const done = await runLeave(s, { ...site, callback: 'leave' }, () => 'ignored');
      const failed = await runLeave(s, { ...site, callback: 'leave' }, () => {
        throw new Error('boom');
      });

      // Assess
      expect([done, failed]).toEqual([{ status: 'done' }, { status: 'failed' }]);
      expect(s.logger.entries.map((e) => e.fields.callback)).toEqual(['leave']);
    });
  });

  describe('result readers', () => {
    it('accept exactly the typed union', () => {
      // Act & Assess
      expect(readJoinResult({ ok: {} })).toEqual({ status: 'ok', response: {} });
      expect(readJoinResult({ error: { reason: 'no' } })).toEqual({ status: 'error', response: { reason: 'no' } });
      expect(readJoinResult({ noreply: true })).toHaveProperty('invalid');
      expect(readHandleInResult({ noreply: true })).toEqual({ status: 'noreply' });
      expect(readHandleInResult({ reply: { ok: {} }, noreply: true })).toEqual({ status: 'ok', response: {} });
    });
  });
});
