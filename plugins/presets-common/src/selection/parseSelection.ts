import { isValidPresetName } from '../model/naming';
import { closestName } from './suggestions';

function withSuggestion(hint: string, suggestion: string | undefined) {
  return suggestion ? `did you mean "${suggestion}"? ${hint}` : hint;
}
import { PresetProblem } from '../model/problems';
import { splitList } from '../model/splitList';

/**
 * The environment variable operators select presets with.
 *
 * @public
 */
export const PRESETS_ENV = 'VEECODE_PRESETS';

/** @public */
export interface ParsedSelection {
  /** Valid, distinct names in the operator's order. */
  names: string[];
  problems: PresetProblem[];
}

/**
 * Splits `VEECODE_PRESETS` on commas, trims entries and drops empty ones.
 * Names that are not kebab-case are rejected here, before any lookup, so a
 * hostile value never reaches the file system.
 *
 * @public
 */
export function parseSelection(
  value: string | undefined,
  /** Preset names that exist, to suggest one for a mistyped entry. */
  available: Iterable<string> = [],
): ParsedSelection {
  const names: string[] = [];
  const problems: PresetProblem[] = [];
  const reportedDuplicates = new Set<string>();
  const entries = splitList(value);

  for (const entry of entries) {
    if (!isValidPresetName(entry)) {
      problems.push({
        kind: 'invalid-name',
        message: `${PRESETS_ENV} entry ${JSON.stringify(
          entry.length > 64 ? `${entry.slice(0, 64)}…` : entry,
        )} is not a valid preset name`,
        hint: withSuggestion(
          'preset names are kebab-case: lower-case letters and digits separated by single dashes, e.g. github-auth',
          closestName(entry, available),
        ),
      });
      continue;
    }
    if (names.includes(entry)) {
      if (!reportedDuplicates.has(entry)) {
        reportedDuplicates.add(entry);
        problems.push({
          kind: 'duplicate-preset',
          message: `preset "${entry}" is listed more than once in ${PRESETS_ENV}`,
          hint: `list "${entry}" once`,
        });
      }
      continue;
    }
    names.push(entry);
  }
  return { names, problems };
}
