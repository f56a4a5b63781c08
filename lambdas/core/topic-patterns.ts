/**
 * Topic patterns as used in config: literal text where `*` matches any run of
 * characters (including none). `room:*` matches `room:lobby` and `room:a:b`.
 */
export function matchesPattern(pattern: string, topic: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === topic;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!topic.startsWith(first) || topic.length < first.length + last.length || !topic.endsWith(last)) return false;
  let cursor = first.length;
  const end = topic.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = topic.indexOf(middle, cursor);
    if (found < 0 || found + middle.length > end) return false;
    cursor = found + middle.length;
  }
  return true;
}

export function matchesAny(patterns: readonly string[], topic: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, topic));
}

/**
 * Orders patterns most specific first, as Phoenix routes `channel "room:*"`: more literal
 * characters first (`room:lobby` over `room:*` over `*`), then fewer wildcards, then the
 * order given.
 */
export function mostSpecificFirst<T>(items: readonly T[], patternOf: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, pattern: patternOf(item) }))
    .map((entry) => ({ ...entry, literals: entry.pattern.replace(/\*/g, '').length, wildcards: entry.pattern.split('*').length - 1 }))
    .sort((a, b) => b.literals - a.literals || a.wildcards - b.wildcards || a.index - b.index)
    .map(({ item }) => item);
}
