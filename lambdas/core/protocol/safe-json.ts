/**
 * JSON parsing for untrusted frames. Rejects nesting deeper than a bound before parsing
 * (deep nesting blows the stack of every recursive consumer downstream) and drops the
 * keys that enable prototype pollution when a parsed object is later merged, and refuses
 * strings that are not valid Unicode.
 */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; message: string };

// A lone UTF-16 surrogate (`"\ud800"` escaped in JSON) has no UTF-8 form: DynamoDB and
// other clients' decoders would fail on it. Jason, Phoenix's parser, refuses it too.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

class LoneSurrogateError extends Error {}

export function parseUntrustedJson(text: string, maxDepth: number): JsonParseResult {
  const depth = maxNestingDepth(text);
  if (depth > maxDepth) return { ok: false, message: `JSON nesting deeper than ${maxDepth}` };
  try {
    const value: unknown = JSON.parse(text, (key, nested: unknown) => {
      if (LONE_SURROGATE.test(key) || (typeof nested === 'string' && LONE_SURROGATE.test(nested))) throw new LoneSurrogateError();
      return FORBIDDEN_KEYS.has(key) ? undefined : nested;
    });
    return { ok: true, value };
  } catch (error) {
    if (error instanceof LoneSurrogateError) return { ok: false, message: 'frame holds a lone UTF-16 surrogate (not valid Unicode)' };
    return { ok: false, message: `frame is not valid JSON: ${(error as Error).message}` };
  }
}

/** Bracket depth outside strings; one linear pass, no allocation. */
export function maxNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i += 1; // backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return max;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** UTF-8 size of a value once serialized, without allocating a Buffer. */
export function jsonByteLength(value: unknown): number {
  return utf8ByteLength(JSON.stringify(value) ?? '');
}

/** UTF-8 size of a string, without allocating a Buffer. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
