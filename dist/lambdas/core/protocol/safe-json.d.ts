/**
 * JSON parsing for untrusted frames. Rejects nesting deeper than a bound before parsing
 * (deep nesting blows the stack of every recursive consumer downstream) and drops the
 * keys that enable prototype pollution when a parsed object is later merged, and refuses
 * strings that are not valid Unicode.
 */
export type JsonParseResult = {
    ok: true;
    value: unknown;
} | {
    ok: false;
    message: string;
};
export declare function parseUntrustedJson(text: string, maxDepth: number): JsonParseResult;
/** Bracket depth outside strings; one linear pass, no allocation. */
export declare function maxNestingDepth(text: string): number;
export declare function isPlainObject(value: unknown): value is Record<string, unknown>;
/** UTF-8 size of a value once serialized, without allocating a Buffer. */
export declare function jsonByteLength(value: unknown): number;
