/**
 * Lambda event filtering (FilterCriteria), as Lambda matches a pattern against a stream
 * record: every key of the pattern must match; an array lists the accepted values, each a
 * literal or a content filter (`prefix`, `suffix`, `anything-but`, `exists`, `numeric`,
 * `equals-ignore-case`, `wildcard`); a nested object matches the nested field; `$or` holds
 * alternative patterns. A record passes a mapping when any of its filters matches (no
 * filters: every record). EventBridge rules' event patterns are matched by the same rules.
 */
type Pattern = Record<string, unknown>;

export function matchesAnyFilter(filters: readonly unknown[], record: unknown): boolean {
  return filters.length === 0 || filters.some((filter) => matches(filter as Pattern, record));
}

export function matches(pattern: Pattern, value: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or' && Array.isArray(expected)) return expected.some((alternative) => matches(alternative as Pattern, value));
    const actual = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return expected.some((candidate) => matchesValue(candidate, actual));
    if (typeof expected === 'object' && expected !== null) return actual !== undefined && matches(expected as Pattern, actual);
    return matchesValue(expected, actual);
  });
}

function matchesValue(candidate: unknown, actual: unknown): boolean {
  // A field holding an array matches when any element does.
  if (Array.isArray(actual)) return actual.some((element) => matchesValue(candidate, element));
  if (typeof candidate !== 'object' || candidate === null) return actual !== undefined && candidate === actual;
  const [operator, operand] = Object.entries(candidate as Record<string, unknown>)[0] ?? [];
  switch (operator) {
    case 'exists':
      return (actual !== undefined) === operand;
    case 'prefix':
      return typeof actual === 'string' && typeof operand === 'string' && actual.startsWith(operand);
    case 'suffix':
      return typeof actual === 'string' && typeof operand === 'string' && actual.endsWith(operand);
    case 'equals-ignore-case':
      return typeof actual === 'string' && typeof operand === 'string' && actual.toLowerCase() === operand.toLowerCase();
    case 'wildcard':
      return typeof actual === 'string' && typeof operand === 'string' && new RegExp(`^${operand.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(actual);
    case 'anything-but': {
      if (actual === undefined) return false;
      if (typeof operand === 'object' && operand !== null && !Array.isArray(operand) && 'prefix' in operand) {
        return !(typeof actual === 'string' && actual.startsWith(String((operand as { prefix: unknown }).prefix)));
      }
      return !(Array.isArray(operand) ? operand : [operand]).includes(actual);
    }
    case 'numeric': {
      const number = typeof actual === 'number' ? actual : typeof actual === 'string' ? Number(actual) : Number.NaN;
      if (Number.isNaN(number) || !Array.isArray(operand)) return false;
      for (let index = 0; index + 1 < operand.length; index += 2) {
        const bound = Number(operand[index + 1]);
        const ok = { '<': number < bound, '<=': number <= bound, '=': number === bound, '>': number > bound, '>=': number >= bound }[String(operand[index])];
        if (!ok) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
