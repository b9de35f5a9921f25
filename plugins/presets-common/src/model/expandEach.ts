import { splitList } from './splitList';

const EACH = '$each';
const VALUE = '$value';
const KEY = '$key';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A part of a config key, as Backstage's `ConfigReader` accepts it. */
const CONFIG_KEY = /^[a-z][a-z0-9]*(?:[-_:][a-z0-9]+)*$/i;

/**
 * A `$each` block of a preset's `appConfig` that cannot be expanded. Its
 * message names the key path and what to write instead.
 *
 * @public
 */
export class EachBlockError extends Error {
  /** The error's name, for callers that tell errors apart by name. */
  readonly name = 'EachBlockError';
  /** The block's key path below `appConfig`, list indices as digits. */
  readonly segments: string[];
  /** What is wrong and what to write instead. */
  readonly problem: string;

  constructor(segments: string[], problem: string) {
    super(`appConfig.${dotted(segments)}: ${problem}`);
    this.segments = segments;
    this.problem = problem;
  }
}

/** `a.b[0].c`, as Backstage names config keys. */
function dotted(segments: string[]): string {
  return segments
    .map((s, i) => {
      if (/^\d+$/.test(s)) {
        return `[${s}]`;
      }
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}

/**
 * The key of each item of a `$each` map: the first item keeps `$key`, so a
 * list of one configures exactly what a single value did before; each
 * further item adds its own text in config-key form (`acme-labs` for
 * `Acme.Labs`), so its entry keeps its key when items are added or removed.
 */
function itemKeys(key: string, items: string[]): string[] {
  const used = new Set<string>([key]);
  return items.map((item, index) => {
    if (index === 0) {
      return key;
    }
    const slug = item
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
    let candidate = slug ? `${key}-${slug}` : `${key}-${index + 1}`;
    if (used.has(candidate)) {
      candidate = `${candidate}-${index + 1}`;
    }
    used.add(candidate);
    return candidate;
  });
}

/**
 * `${NAME}` in the strings of a value, replaced by one item. An escaped
 * `$${NAME}` stays as written, and `${` inside the item is escaped, so the
 * item reaches the config as the operator wrote it.
 */
function withItem(value: unknown, name: string, item: string): unknown {
  if (typeof value === 'string') {
    const reference = new RegExp(`(\\$?)\\$\\{${name}\\}`, 'g');
    return value.replace(reference, (match, escape: string) =>
      escape ? match : item.replace(/\$\{/g, '$$$${'),
    );
  }
  if (Array.isArray(value)) {
    return value.map(v => withItem(v, name, item));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, withItem(v, name, item)]),
    );
  }
  return value;
}

function checkBlock(block: Record<string, unknown>, path: string[]) {
  const extra = Object.keys(block).filter(
    k => k !== EACH && k !== VALUE && k !== KEY,
  );
  if (extra.length > 0) {
    throw new EachBlockError(
      path,
      `a $each block holds only $each, $value and $key; move ${extra.join(
        ', ',
      )} into $value`,
    );
  }
  const name = block[EACH];
  if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) {
    throw new EachBlockError(
      path,
      `$each names the variable that holds the comma-separated list, e.g. "$each: ORGS", not ${JSON.stringify(
        name,
      )}`,
    );
  }
  if (!(VALUE in block)) {
    throw new EachBlockError(
      path,
      `$each needs a $value: what each item of ${name} configures, with \${${name}} standing for the item`,
    );
  }
  const key = block[KEY];
  if (key !== undefined && (typeof key !== 'string' || !CONFIG_KEY.test(key))) {
    throw new EachBlockError(
      path,
      `$key is the config key of the first item (e.g. "default"), letters, digits, "-" and "_", starting with a letter; not ${JSON.stringify(
        key,
      )}`,
    );
  }
  return { name, value: block[VALUE], key: key as string | undefined };
}

/**
 * Expands the `$each` blocks of a preset's `appConfig`
 * (docs/derived-values.md, "Lists"): a block
 * `{ $each: VAR, $value: ..., $key?: ... }` becomes one `$value` per item
 * of the comma-separated list in VAR, with `${VAR}` in it standing for the
 * item: a list, or with `$key` a map of one entry per item. An unset or
 * empty VAR leaves the key out, as an unset `${VAR}` does. Everything else
 * is returned as it is; Backstage's substitution then reads the rest.
 *
 * @param valueOf - the value of a variable or derived value, as the
 *   substitution reads it
 * @throws EachBlockError for a block that cannot be expanded
 * @public
 */
export function expandEach(
  appConfig: unknown,
  valueOf: (name: string) => string | undefined,
): unknown {
  return expandAt(appConfig, valueOf, []);
}

function expandAt(
  appConfig: unknown,
  valueOf: (name: string) => string | undefined,
  path: string[],
): unknown {
  const at = (key: string | number) => [...path, String(key)];
  if (Array.isArray(appConfig)) {
    return appConfig
      .map((v, i) => expandAt(v, valueOf, at(i)))
      .filter(v => v !== undefined);
  }
  if (appConfig === null || typeof appConfig !== 'object') {
    return appConfig;
  }
  const node = appConfig as Record<string, unknown>;
  if (EACH in node) {
    const { name, value, key } = checkBlock(node, path);
    const items = [...new Set(splitList(valueOf(name)))];
    if (items.length === 0) {
      return undefined;
    }
    const entries = items.map(item =>
      expandAt(withItem(value, name, item), valueOf, path),
    );
    if (key === undefined) {
      return entries;
    }
    const keys = itemKeys(key, items);
    return Object.fromEntries(entries.map((entry, i) => [keys[i], entry]));
  }
  return Object.fromEntries(
    Object.entries(node)
      .map(([k, v]) => [k, expandAt(v, valueOf, at(k))] as const)
      .filter(([, v]) => v !== undefined),
  );
}

/**
 * Every `$each` block of a preset's `appConfig` that could not be
 * expanded, whatever the variables hold: the preset file's own mistakes,
 * reported with the file's other problems.
 *
 * @public
 */
export function eachBlockProblems(appConfig: unknown): EachBlockError[] {
  return problemsAt(appConfig, []);
}

function problemsAt(appConfig: unknown, path: string[]): EachBlockError[] {
  if (appConfig === null || typeof appConfig !== 'object') {
    return [];
  }
  const node = appConfig as Record<string, unknown>;
  if (!Array.isArray(node) && EACH in node) {
    try {
      checkBlock(node, path);
    } catch (error) {
      return [error as EachBlockError];
    }
    return problemsAt(node[VALUE], [...path, VALUE]);
  }
  return Object.entries(node).flatMap(([k, v]) => problemsAt(v, [...path, k]));
}
