import { Preset } from '../model/types';
import { PresetProblem } from '../model/problems';
import { PresetCatalog } from '../catalog/loadPresetCatalog';
import { PRESETS_ENV } from './parseSelection';
import { closestName, suggestSetVariable } from './suggestions';
import { isHttpUrl, isUnset } from '../environment/variableValues';
import { VARIABLE_FILE_SUFFIX } from '../environment/variableSources';
import {
  chosenSet,
  isVariableSet,
  requiredVariableNames,
  touchedSets,
} from './variableChoices';

/**
 * Looks the selected names up in the catalog. Unknown names are reported
 * with the list of available presets; names whose file is invalid are
 * skipped silently, their file problem is already reported.
 */
export function lookUpSelection(
  names: string[],
  catalog: PresetCatalog,
): { presets: Preset[]; problems: PresetProblem[] } {
  const presets: Preset[] = [];
  const problems: PresetProblem[] = [];
  const available = [...catalog.presets.keys()].sort();
  for (const name of names) {
    const preset = catalog.presets.get(name);
    if (preset) {
      presets.push(preset);
    } else if (!catalog.invalid.has(name)) {
      const suggestion = closestName(name, available);
      problems.push({
        kind: 'unknown-preset',
        message: `preset "${name}" not found; available presets: ${
          available.length ? available.join(', ') : '(none)'
        }${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        hint: suggestion
          ? `replace "${name}" with "${suggestion}" in ${PRESETS_ENV}, or add presets/${name}.yaml`
          : `remove "${name}" from ${PRESETS_ENV}, fix its spelling, or add presets/${name}.yaml`,
      });
    }
  }
  return { presets, problems };
}

/**
 * Every `requires.presets` entry must be selected before the preset that
 * needs it. The fix shown is the operator's own list, reordered and
 * completed.
 */
export function checkDependencies(
  names: string[],
  catalog: PresetCatalog,
): PresetProblem[] {
  const problems: PresetProblem[] = [];
  const corrected = correctedOrder(names, catalog);
  names.forEach((name, index) => {
    const preset = catalog.presets.get(name);
    for (const dep of preset?.requires.presets ?? []) {
      const cycle = requirementCycle(dep, name, catalog);
      if (cycle) {
        problems.push({
          kind: 'preset-order',
          message: `preset "${name}" requires preset "${dep}", which requires "${name}" in turn (${[
            name,
            ...cycle,
          ].join(' -> ')}): no order can satisfy both`,
          hint: `remove one of the requirements from requires.presets in ${
            preset!.source
          }`,
        });
        continue;
      }
      const depIndex = names.indexOf(dep);
      if (depIndex !== -1 && depIndex < index) {
        continue;
      }
      const where =
        depIndex === -1
          ? 'but it is not selected'
          : 'but it is listed after it';
      const unavailable =
        !catalog.presets.has(dep) && !catalog.invalid.has(dep)
          ? ` (and no preset "${dep}" is available)`
          : '';
      problems.push({
        kind: 'preset-order',
        message: `preset "${name}" requires preset "${dep}" to be selected before it, ${where}${unavailable}`,
        hint: `${PRESETS_ENV}=${corrected.join(',')}`,
      });
    }
  });
  return problems;
}

/** The path from `from` back to `to` through requires.presets, if there is one. */
function requirementCycle(
  from: string,
  to: string,
  catalog: PresetCatalog,
  seen = new Set<string>(),
): string[] | undefined {
  if (from === to) {
    return [to];
  }
  if (seen.has(from)) {
    return undefined;
  }
  seen.add(from);
  for (const next of catalog.presets.get(from)?.requires.presets ?? []) {
    const rest = requirementCycle(next, to, catalog, seen);
    if (rest) {
      return [from, ...rest];
    }
  }
  return undefined;
}

function correctedOrder(names: string[], catalog: PresetCatalog): string[] {
  const result: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (result.includes(name) || visiting.has(name)) {
      return;
    }
    visiting.add(name);
    for (const dep of catalog.presets.get(name)?.requires.presets ?? []) {
      visit(dep);
    }
    visiting.delete(name);
    result.push(name);
  };
  names.forEach(visit);
  return result;
}

/** At most one selected preset per `exclusive_group`. */
export function checkExclusiveGroups(presets: Preset[]): PresetProblem[] {
  const groups = new Map<string, string[]>();
  for (const preset of presets) {
    if (preset.exclusiveGroup) {
      const members = groups.get(preset.exclusiveGroup) ?? [];
      members.push(preset.name);
      groups.set(preset.exclusiveGroup, members);
    }
  }
  const problems: PresetProblem[] = [];
  for (const [group, members] of groups) {
    if (members.length > 1) {
      const quoted = members.map(m => `"${m}"`);
      const list = `${quoted.slice(0, -1).join(', ')} and ${
        quoted[quoted.length - 1]
      }`;
      problems.push({
        kind: 'exclusive-group',
        message: `presets ${list} belong to the exclusive group "${group}" and cannot be selected together`,
        hint: `keep only one of ${members.join(', ')} in ${PRESETS_ENV}`,
      });
    }
  }
  return problems;
}

/**
 * Every `requires.groups` entry needs a preset of that exclusive group
 * selected before the preset that asks for it (an `rbac` preset needs an
 * identity: guest users have no groups). The problem says why, in the
 * requiring preset's own words, and which presets would do.
 */
export function checkRequiredGroups(
  names: string[],
  catalog: PresetCatalog,
): PresetProblem[] {
  const problems: PresetProblem[] = [];
  names.forEach((name, index) => {
    const preset = catalog.presets.get(name);
    for (const [group, reason] of Object.entries(
      preset?.requires.groups ?? {},
    )) {
      const members = [...catalog.presets.values()]
        .filter(p => p.exclusiveGroup === group)
        .map(p => p.name)
        .sort();
      const selected = names.filter(n => members.includes(n));
      if (selected.some(n => names.indexOf(n) < index)) {
        continue;
      }
      const options = members.length
        ? `one of: ${members.join(', ')}`
        : `no available preset has exclusive_group: ${group}`;
      const where = selected.length
        ? `"${selected[0]}" is listed after it`
        : 'none is selected';
      const fix = selected.length
        ? [
            ...names.filter(n => n !== name && n !== selected[0]),
            selected[0],
            name,
          ]
        : [
            ...names.slice(0, index),
            members[0] ?? `<${group} preset>`,
            ...names.slice(index),
          ];
      problems.push({
        kind: 'missing-group',
        message: `preset "${name}" needs a preset of group "${group}" selected before it (${options}), but ${where}: ${reason}`,
        hint: `${PRESETS_ENV}=${fix.join(',')}${
          selected.length ? '' : ` (or another ${group} preset)`
        }`,
      });
    }
  });
  return problems;
}

/**
 * Names that hold a value but that no selected preset declares: where a
 * misnamed variable (ACME_TOKEN for ACME_PAT) hides. Names only.
 */
function setUndeclaredNames(
  presets: Preset[],
  env: Record<string, string | undefined>,
): string[] {
  // An alias, or a name's _FILE form, is set on purpose.
  const declared = new Set(
    presets
      .flatMap(p => Object.entries(p.requires.variables))
      .flatMap(([name, v]) => [name, ...(v.aliases ?? [])])
      .flatMap(name => [name, `${name}${VARIABLE_FILE_SUFFIX}`]),
  );
  return Object.keys(env)
    .filter(name => !declared.has(name) && !isUnset(env[name]))
    .sort();
}

/**
 * The union of required variables over all selected presets: those marked
 * `required` and those of the set each `requires.oneOf` choice counts (see
 * `requiredVariableNames`). Each missing variable is listed once, with every
 * preset that requires it; a choice none of whose sets is complete names its
 * other sets too. Values are never part of the message. `refused` variables
 * are set, but in a way already reported (an unreadable file, names that
 * disagree): not missing, and they count for the choice of a set.
 */
export function checkVariables(
  presets: Preset[],
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string> = new Set(),
): PresetProblem[] {
  const missing = new Map<
    string,
    { presets: string[]; description: string; docs?: string; aliases: string[] }
  >();
  const alternatives = new Map<string, string[]>();
  for (const preset of presets) {
    const required = requiredVariableNames(preset, env, refused);
    for (const [name, variable] of Object.entries(preset.requires.variables)) {
      if (!required.has(name) || isVariableSet(name, env, refused)) {
        continue;
      }
      const entry = missing.get(name);
      if (entry) {
        entry.presets.push(preset.name);
        entry.docs ??= variable.docs;
        entry.aliases.push(
          ...(variable.aliases ?? []).filter(a => !entry.aliases.includes(a)),
        );
      } else {
        missing.set(name, {
          presets: [preset.name],
          description: variable.description,
          docs: variable.docs,
          aliases: [...(variable.aliases ?? [])],
        });
      }
    }
    const sets = preset.requires.oneOf;
    const chosen = sets.length ? chosenSet(sets, env, refused) : [];
    if (chosen.some(name => !isVariableSet(name, env, refused))) {
      const line = `  (or, instead of ${namesList(chosen)}, set ${sets
        .filter(set => set !== chosen)
        .map(namesList)
        .join(', or ')}`;
      alternatives.set(line, [...(alternatives.get(line) ?? []), preset.name]);
    }
  }
  if (missing.size === 0) {
    return [];
  }
  const strays = setUndeclaredNames(presets, env);
  const lines = [...missing].map(
    ([name, { presets: by, description, docs, aliases }]) => {
      const stray = suggestSetVariable(name, strays);
      return `- ${name} (required by ${by.join(', ')}): ${description}${
        docs ? ` See ${docs}` : ''
      }${aliases.length ? ` Also read from ${aliases.join(', ')}.` : ''}${
        stray ? ` (${stray} is set: did you mean ${name}?)` : ''
      }`;
    },
  );
  for (const [line, by] of alternatives) {
    lines.push(`${line}: ${by.join(', ')} accept either)`);
  }
  const requirers = [...new Set([...missing.values()].flatMap(m => m.presets))];
  return [
    {
      kind: 'missing-variables',
      message: `the selected presets (${requirers.join(
        ', ',
      )}) require variables that are not set:\n${lines.join('\n')}`,
      hint: `set each variable to a non-empty value in the environment (or your env file), or <NAME>${VARIABLE_FILE_SUFFIX} to a file holding it, and restart${
        alternatives.size
          ? '; where another set of variables is offered, set that set in full instead'
          : ''
      }`,
    },
  ];
}

/**
 * Set variables whose value does not fit the `format` a preset declares.
 * Each is listed once, with the presets that declare it; the value itself
 * is never part of the message (it may be a secret).
 */
export function checkVariableFormats(
  presets: Preset[],
  env: Record<string, string | undefined>,
): PresetProblem[] {
  const wrong = new Map<string, string[]>();
  for (const preset of presets) {
    for (const [name, variable] of Object.entries(preset.requires.variables)) {
      const value = env[name];
      if (variable.format === 'url' && !isUnset(value) && !isHttpUrl(value!)) {
        wrong.set(name, [...(wrong.get(name) ?? []), preset.name]);
      }
    }
  }
  return [...wrong].map(([name, by]) => ({
    kind: 'invalid-variables' as const,
    message: `variable ${name} (declared by ${by.join(
      ', ',
    )}) is not an absolute http(s) URL`,
    hint: `set ${name} to a URL such as https://host.example.com, or unset it to use the default`,
  }));
}

/** `A`, `A and B`, `A, B and C`. */
function namesList(names: string[]): string {
  return names.length > 1
    ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
    : names.join('');
}

/**
 * `requires.oneOf` allows one set of variables: a choice whose variables
 * are set in more than one of its sets (a token and an app's key) is
 * refused, naming the variables set. A variable counts as set as it does
 * for the rest of the gate: by its own name, an alias or a `_FILE`, or in a
 * way already refused (`refused`). Presets that declare the same choice
 * share one problem. Names only, never values.
 */
export function checkOneOf(
  presets: Preset[],
  env: Record<string, string | undefined>,
  refused: ReadonlySet<string> = new Set(),
): PresetProblem[] {
  const choices = new Map<string, { sets: string[][]; presets: string[] }>();
  for (const preset of presets) {
    const key = JSON.stringify(preset.requires.oneOf);
    const choice = choices.get(key);
    if (choice) {
      choice.presets.push(preset.name);
    } else if (preset.requires.oneOf.length > 0) {
      choices.set(key, { sets: preset.requires.oneOf, presets: [preset.name] });
    }
  }
  const isSet = (name: string) => isVariableSet(name, env, refused);
  const problems: PresetProblem[] = [];
  for (const { sets, presets: by } of choices.values()) {
    const touched = touchedSets(sets, env, refused);
    if (touched.length < 2) {
      continue;
    }
    problems.push({
      kind: 'invalid-variables',
      message: `the selected presets (${by.join(
        ', ',
      )}) take exactly one of the sets ${sets
        .map(set => `(${namesList(set)})`)
        .join(', ')}, but variables of ${touched.length} sets are set: ${touched
        .map(set => namesList(set.filter(isSet)))
        .join('; ')}`,
      hint: `keep one set: ${touched
        .map(set => `unset ${namesList(set.filter(isSet))}`)
        .join(', or ')}`,
    });
  }
  return problems;
}
