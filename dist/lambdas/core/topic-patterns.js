/**
 * Topic patterns as used in config: literal text where `*` matches any run of
 * characters (including none). `room:*` matches `room:lobby` and `room:a:b`.
 */
export function matchesPattern(pattern, topic) {
    const parts = pattern.split('*');
    if (parts.length === 1)
        return pattern === topic;
    const first = parts[0] ?? '';
    const last = parts[parts.length - 1] ?? '';
    if (!topic.startsWith(first) || topic.length < first.length + last.length || !topic.endsWith(last))
        return false;
    let cursor = first.length;
    const end = topic.length - last.length;
    for (const middle of parts.slice(1, -1)) {
        const found = topic.indexOf(middle, cursor);
        if (found < 0 || found + middle.length > end)
            return false;
        cursor = found + middle.length;
    }
    return true;
}
export function matchesAny(patterns, topic) {
    return patterns.some((pattern) => matchesPattern(pattern, topic));
}
