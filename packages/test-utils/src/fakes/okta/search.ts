/*
 * Okta's `search` (and `filter`) expressions, as far as the fake evaluates
 * them: `<attribute> <op> "<value>"` with `eq`, `ne`, `sw` and `co`, and
 * `pr` (present), joined by `and` and `or` (`and` binds tighter), without
 * parentheses. Attributes are paths into the listed object (`status`,
 * `type`, `profile.department`). Anything else throws, as Okta answers 400.
 */

type Condition = (item: object) => boolean;

const TERM =
  /\s*([A-Za-z_][\w.]*)\s+(?:(eq|ne|sw|co)\s+"((?:[^"\\]|\\.)*)"|(pr))\s*/y;
const CONNECTIVE = /(and|or)\b/iy;

function valueAt(item: object, path: string): unknown {
  let current: unknown = item;
  for (const key of path.split('.')) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function condition(attribute: string, op: string, literal: string): Condition {
  const expected = literal.replace(/\\(.)/g, '$1').toLowerCase();
  return item => {
    const raw = valueAt(item, attribute);
    if (op === 'pr') return raw !== undefined && raw !== null && raw !== '';
    if (raw === undefined || raw === null) return op === 'ne';
    const actual = String(raw).toLowerCase();
    switch (op) {
      case 'eq':
        return actual === expected;
      case 'ne':
        return actual !== expected;
      case 'sw':
        return actual.startsWith(expected);
      default:
        return actual.includes(expected);
    }
  };
}

/** Whether `item` matches the expression; throws on one the fake cannot parse. */
export function matchesOktaSearch(expression: string, item: object): boolean {
  // Disjunction of conjunctions, read left to right.
  const anyOf: Condition[][] = [[]];
  let at = 0;
  for (;;) {
    TERM.lastIndex = at;
    const term = TERM.exec(expression);
    if (!term) throw new Error(`cannot parse search at ${at}: ${expression}`);
    anyOf[anyOf.length - 1].push(
      condition(term[1], term[2] ?? term[4], term[3] ?? ''),
    );
    at = TERM.lastIndex;
    if (at === expression.length) break;
    CONNECTIVE.lastIndex = at;
    const connective = CONNECTIVE.exec(expression);
    if (!connective)
      throw new Error(`cannot parse search at ${at}: ${expression}`);
    if (connective[1].toLowerCase() === 'or') anyOf.push([]);
    at = CONNECTIVE.lastIndex;
  }
  return anyOf.some(all => all.every(c => c(item)));
}
