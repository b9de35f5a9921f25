import fs from 'fs';
import { dirname, relative, resolve } from 'path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { Preset } from './types';
import { derivedInputs } from '../selection/derivedVariables';

/**
 * `${VAR}` and `${VAR:-default}` as Backstage's substitution splits them;
 * `$${...}` is an escape, not a reference.
 */
const SUBSTITUTION = /\$?\$\{[^{}]*\}/g;

/**
 * The variables a config text references with `${VAR}` or
 * `${VAR:-default}`, in order of appearance.
 *
 * @public
 */
export function variableNamesIn(text: string): string[] {
  return [...text.matchAll(SUBSTITUTION)]
    .map(([part]) => part)
    .filter(part => !part.startsWith('$$'))
    .map(part => part.slice(2, -1).split(':-')[0].trim())
    .filter(Boolean);
}

/** Every variable a config value references: `${VAR}` in strings, `$env: VAR`. */
function variablesBelow(value: unknown): string[] {
  if (typeof value === 'string') {
    return variableNamesIn(value);
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const env = (value as Record<string, unknown>).$env;
  if (typeof env === 'string') {
    return [env.trim()];
  }
  return Object.values(value).flatMap(variablesBelow);
}

/**
 * What an `$include` (`data/file.yaml#key`) may stand for, read from the
 * preset's folder or below it: the value at its fragment, or each
 * top-level value when the environment picks the fragment (`#${CHOICE}`);
 * nothing when the file is elsewhere or unreadable. `source` is the
 * preset's file, whose folder the path is relative to.
 */
function included(include: string, source: string): unknown[] {
  const dir = dirname(source);
  const [file, fragment] = include.split('#');
  const path = resolve(dir, file);
  if (relative(dir, path).startsWith('..')) {
    return [];
  }
  let document: unknown;
  try {
    document = loadYaml(fs.readFileSync(path, 'utf8'), {
      schema: CORE_SCHEMA,
    });
  } catch {
    return [];
  }
  if (!fragment || document === null || typeof document !== 'object') {
    return [document];
  }
  const entries = document as Record<string, unknown>;
  return variableNamesIn(fragment).length > 0
    ? Object.values(entries)
    : [
        fragment
          .split('.')
          .reduce<unknown>(
            (node, key) =>
              node !== null && typeof node === 'object'
                ? (node as Record<string, unknown>)[key]
                : undefined,
            entries,
          ),
      ];
}

/**
 * The value at a config key path in a preset's appConfig: a `$each` block
 * stands for each of its entries (the segment is an entry's key or index,
 * and its `$value` says what the entry holds), an `$include` for the
 * content it names.
 */
function walk(node: unknown, path: string[], source: string): unknown {
  if (node === null || typeof node !== 'object') {
    return path.length === 0 ? node : undefined;
  }
  const record = node as Record<string, unknown>;
  if (typeof record.$include === 'string') {
    return included(record.$include, source)
      .map(choice => walk(choice, path, source))
      .find(found => found !== undefined);
  }
  if (path.length === 0) {
    return node;
  }
  const [segment, ...rest] = path;
  return walk(
    '$each' in record ? record.$value : record[segment],
    rest,
    source,
  );
}

/**
 * A derived value is no environment variable an operator could set: it
 * stands for the variables it is computed from, derived ones in turn.
 */
function settableNames(
  presets: ReadonlyArray<Preset>,
  names: string[],
): string[] {
  const derived = Object.assign({}, ...presets.map(p => p.derived));
  const expanding = new Set<string>();
  const expand = (name: string): string[] => {
    if (!(name in derived) || expanding.has(name)) {
      return [name];
    }
    expanding.add(name);
    const inputs = derivedInputs(derived[name]).flatMap(expand);
    expanding.delete(name);
    return inputs;
  };
  return [...new Set(names.flatMap(expand))];
}

/**
 * The environment variables the selected presets set a config key from, so
 * a module's message can name them beside the key: those the last preset
 * that writes the key references there (later presets are layered above
 * earlier ones), a derived value standing for the variables it is computed
 * from. Empty when no selected preset writes the key, so a
 * message then names the key alone. It reads the presets, not the final
 * config: an operator's own layer may still override the key.
 *
 * @param key - a config key as Backstage's `Config` names it in errors,
 *   dot-separated with list indices in brackets (`a.b[0].c`)
 * @public
 */
export function configKeyVariables(
  presets: ReadonlyArray<Preset>,
  key: string,
): string[] {
  const path = key.split('.').flatMap(part => {
    const [name, ...indices] = part.split('[');
    return [name, ...indices.map(i => i.replace(/\]$/, ''))];
  });
  for (const preset of [...presets].reverse()) {
    const node = walk(preset.appConfig, path, preset.source);
    if (node !== undefined) {
      return settableNames(presets, variablesBelow(node));
    }
  }
  return [];
}
