import { describe, it, expect } from 'vitest';
import { isPlainObject, jsonByteLength, maxNestingDepth, parseUntrustedJson } from '../../lambdas/core/protocol/safe-json.js';

describe('safe-json', () => {
  describe('maxNestingDepth', () => {
    it.each([
      ['1', 0],
      ['{}', 1],
      ['[[]]', 2],
      ['{"a":[{"b":[]}]}', 4],
      ['[[],[],[]]', 2],
      ['"[[[["', 0],
      ['["\\"[[["]', 1],
      ['["\\\\", [[]]]', 3],
    ])('measures %s as %i', (text, depth) => {
      // Act & Assess
      expect(maxNestingDepth(text)).toBe(depth);
    });
  });

  describe('parseUntrustedJson', () => {
    it('parses ordinary JSON', () => {
      // Act & Assess
      expect(parseUntrustedJson('{"a":[1,"x",null]}', 32)).toEqual({ ok: true, value: { a: [1, 'x', null] } });
    });

    it('refuses nesting beyond the bound and invalid JSON without throwing', () => {
      // Act
      const deep = parseUntrustedJson('[[[]]]', 2);
      const invalid = parseUntrustedJson('{', 32);

      // Assess
      expect(deep).toEqual({ ok: false, message: expect.stringContaining('deeper than 2') });
      expect(invalid).toEqual({ ok: false, message: expect.stringContaining('not valid JSON') });
    });

    it('drops __proto__, constructor and prototype keys at any depth', () => {
      // Act
      const result = parseUntrustedJson('{"__proto__":{"x":1},"a":{"constructor":{"prototype":{"y":1}},"keep":1},"prototype":2}', 32);

      // Assess
      expect(result).toEqual({ ok: true, value: { a: { keep: 1 } } });
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });
  });

  describe('jsonByteLength', () => {
    it.each([
      [{}, 2],
      ['é', 4],
      ['€', 5],
      ['😀', 6],
      [[1, 2], 5],
    ])('measures %j as %i UTF-8 bytes', (value, bytes) => {
      // Act & Assess
      expect(jsonByteLength(value)).toBe(bytes);
      expect(jsonByteLength(value)).toBe(Buffer.byteLength(JSON.stringify(value), 'utf8'));
    });

    it('counts a lone surrogate as JSON.stringify escapes it', () => {
      // Act & Assess
      expect(jsonByteLength('\ud800')).toBe(Buffer.byteLength(JSON.stringify('\ud800'), 'utf8'));
    });
  });

  describe('isPlainObject', () => {
    it('accepts objects only', () => {
      // Act & Assess
      expect(isPlainObject({})).toBe(true);
      expect([[], null, 'x', 1, undefined].map(isPlainObject)).toEqual([false, false, false, false, false]);
    });
  });
});
