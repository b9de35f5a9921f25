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
    let node: unknown = preset.appConfig;
    for (const segment of path) {
      const record =
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)
          : undefined;
      // A `$each` block stands for each of its entries: the segment is an
      // entry's key or index, and its `$value` says what the entry holds.
      node = record && '$each' in record ? record.$value : record?.[segment];
    }
    if (node !== undefined) {
      return settableNames(presets, variablesBelow(node));
    }
  }
  return [];
}
