/**
 * Topic patterns as used in config: literal text where `*` matches any run of
 * characters (including none). `room:*` matches `room:lobby` and `room:a:b`.
 */
export declare function matchesPattern(pattern: string, topic: string): boolean;
export declare function matchesAny(patterns: readonly string[], topic: string): boolean;
