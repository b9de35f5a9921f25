import { Preset } from '../model/types';
import { isUnset } from '../environment/variableValues';

/**
 * The set of a `requires.oneOf` choice that counts in this environment: the
 * first set with a variable set, or the first set when none has one (the
 * one an operator who has set nothing is told about first).
 *
 * @public
 */
export function chosenSet(
  sets: string[][],
  env: Record<string, string | undefined>,
): string[] {
  return sets.find(set => set.some(name => !isUnset(env[name]))) ?? sets[0];
}

/**
 * The variables a preset requires in this environment: those marked
 * `required`, and those of the set each of its `requires.oneOf` choices
 * counts ({@link chosenSet}). What the gate checks, `presets list` shows
 * and tests fill with dummy values.
 *
 * @public
 */
export function requiredVariableNames(
  preset: Preset,
  env: Record<string, string | undefined>,
): Set<string> {
  const names = new Set(
    Object.entries(preset.requires.variables)
      .filter(([, variable]) => variable.required)
      .map(([name]) => name),
  );
  if (preset.requires.oneOf.length > 0) {
    chosenSet(preset.requires.oneOf, env).forEach(name => names.add(name));
  }
  return names;
}
