import { Preset } from '../model/types';
import { isUnset } from '../environment/variableValues';

/**
 * Whether the operator set a variable, as the whole gate counts it: `env` is
 * the environment `resolveVariableValues` gives (a value supplied by an
 * alias or a `_FILE` is the variable's own), and `refused` its variables
 * that were set in a way already refused (an unreadable file, names that
 * disagree), which are set all the same.
 */
export function isVariableSet(
  name: string,
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string>,
): boolean {
  return !isUnset(env[name]) || refused.has(name);
}

/**
 * The sets of a `requires.oneOf` choice with at least one variable set: the
 * operator may set only one of them.
 */
export function touchedSets(
  sets: string[][],
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string>,
): string[][] {
  return sets.filter(set =>
    set.some(name => isVariableSet(name, env, refused)),
  );
}

/**
 * The set of a `requires.oneOf` choice that counts in this environment: the
 * first set with a variable set, or the first set when none has one (the
 * one an operator who has set nothing is told about first). `env` and
 * `refused` are those of `resolveVariableValues`, so a variable set through
 * an alias or a `_FILE` counts.
 *
 * @public
 */
export function chosenSet(
  sets: string[][],
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string> = new Set(),
): string[] {
  return touchedSets(sets, env, refused)[0] ?? sets[0];
}

/**
 * The variables a preset requires in this environment: those marked
 * `required`, and those of the set each of its `requires.oneOf` choices
 * counts ({@link chosenSet}, with the same `env` and `refused`). What the
 * gate checks, `presets list` shows and tests fill with dummy values.
 *
 * @public
 */
export function requiredVariableNames(
  preset: Preset,
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string> = new Set(),
): Set<string> {
  const names = new Set(
    Object.entries(preset.requires.variables)
      .filter(([, variable]) => variable.required)
      .map(([name]) => name),
  );
  if (preset.requires.oneOf.length > 0) {
    chosenSet(preset.requires.oneOf, env, refused).forEach(name =>
      names.add(name),
    );
  }
  return names;
}
