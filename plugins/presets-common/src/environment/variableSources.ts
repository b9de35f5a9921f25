/*
 * Where a declared variable's value comes from. An operator may set it by
 * its own name, by one of its aliases (another product's deployment names
 * for it, declared in the preset), or through a
 * file named by any of those with `_FILE` appended (the Docker and
 * Kubernetes secrets convention). Everything after this reads one
 * environment in which the variable simply holds its value, so the checks,
 * the derived values, the redaction and the config substitution cannot
 * disagree about it.
 */
import fs from 'fs';
import { Preset } from '../model/types';
import { PresetProblem } from '../model/problems';
import { escapeControlCharacters } from '../model/excerpt';
import { isUnset } from './variableValues';

/** Appended to a name to give the name of the file holding its value. @public */
export const VARIABLE_FILE_SUFFIX = '_FILE';

/**
 * Above this a file is not a secret someone meant: the limit keeps a path
 * such as /dev/zero from hanging the boot.
 */
const MAX_VARIABLE_FILE_BYTES = 1024 * 1024;

/** The outcome of {@link resolveVariableValues}. @public */
export interface ResolvedVariableValues {
  /**
   * The environment as given, with each declared variable that one of its
   * names or files supplies holding that value.
   */
  env: Record<string, string | undefined>;
  /**
   * For each declared variable that is set, the name that supplied its
   * value: the variable itself, an alias, or a `_FILE` name. Names only,
   * never values.
   */
  suppliedBy: Record<string, string>;
  /** Conflicting names and unreadable files; never a value. */
  problems: PresetProblem[];
  /**
   * The variables those problems are about: the operator did set them, so
   * they are not reported missing as well.
   */
  refused: Set<string>;
}

/**
 * Every name a variable may be set by, its own first, then the aliases the
 * selected presets declare for it, in declaration order.
 */
function namesByVariable(presets: Preset[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const preset of presets) {
    for (const [name, variable] of Object.entries(preset.requires.variables)) {
      const known = names.get(name) ?? [name];
      for (const alias of variable.aliases ?? []) {
        if (!known.includes(alias)) {
          known.push(alias);
        }
      }
      names.set(name, known);
    }
  }
  return names;
}

/** One trailing newline is the editor's, not the secret's. */
function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/**
 * The content of the file a `_FILE` variable names, or why it cannot be
 * used. The reason names the variable, the path and the system's error
 * code; the content never appears in it.
 */
function readVariableFile(
  fileName: string,
  path: string,
): { value: string } | { problem: PresetProblem } {
  // Whole, but unable to forge lines of the output.
  const shown = escapeControlCharacters(path);
  const refuse = (reason: string, hint: string) => ({
    problem: {
      kind: 'invalid-variables' as const,
      message: `${fileName} names ${shown}, ${reason}`,
      hint,
    },
  });
  const readableHint = `make ${shown} a readable file for the user the backend runs as, or set ${fileName} to the path of one`;
  let value: string;
  try {
    const stat = fs.statSync(path);
    if (!stat.isFile()) {
      return refuse('which is not a file', readableHint);
    }
    if (stat.size > MAX_VARIABLE_FILE_BYTES) {
      return refuse(
        `a file of ${stat.size} bytes: a value read from a file is at most ${MAX_VARIABLE_FILE_BYTES} bytes`,
        `set ${fileName} to the file holding the value alone`,
      );
    }
    value = withoutTrailingNewline(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return refuse(`which cannot be read (${code})`, readableHint);
  }
  if (isUnset(value)) {
    return refuse(
      'which is empty',
      `write the value into ${shown}, or unset ${fileName}`,
    );
  }
  return { value };
}

/** "A", "A and B", "A, B and C". */
function listed(names: string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Reads the value of every variable the selected presets declare from the
 * names it may be set by: its own name, its aliases, and each of those with
 * `_FILE` appended naming a file whose content (one trailing newline
 * trimmed) is the value. A name and its `_FILE` form both set, names of one
 * variable set to different values, and a `_FILE` that names no readable,
 * non-empty file are problems naming the names, never the values.
 *
 * @public
 */
export function resolveVariableValues(
  presets: Preset[],
  env: Record<string, string | undefined>,
): ResolvedVariableValues {
  const resolved: Record<string, string | undefined> = { ...env };
  const suppliedBy: Record<string, string> = {};
  const problems: PresetProblem[] = [];
  const refused = new Set<string>();
  for (const [variable, names] of namesByVariable(presets)) {
    const supplied: { name: string; value: string }[] = [];
    const refuse = (problem: PresetProblem) => {
      problems.push(problem);
      refused.add(variable);
    };
    for (const name of names) {
      const fileName = `${name}${VARIABLE_FILE_SUFFIX}`;
      const direct = env[name];
      const path = env[fileName];
      if (!isUnset(direct) && !isUnset(path)) {
        refuse({
          kind: 'invalid-variables',
          message: `${name} and ${fileName} are both set: the value of ${variable} comes from one of them`,
          hint: `unset ${name} to read the value from the file, or unset ${fileName}`,
        });
        continue;
      }
      if (!isUnset(direct)) {
        supplied.push({ name, value: direct! });
      } else if (!isUnset(path)) {
        const read = readVariableFile(fileName, path!.trim());
        if ('problem' in read) {
          refuse(read.problem);
        } else {
          supplied.push({ name: fileName, value: read.value });
        }
      }
    }
    if (supplied.length === 0) {
      continue;
    }
    const values = new Set(supplied.map(s => s.value.trim()));
    if (values.size > 1) {
      const by = supplied.map(s => s.name);
      refuse({
        kind: 'invalid-variables',
        message: `${listed(
          by,
        )} are set to different values: they are names of one variable, ${variable}`,
        hint: `set only one of ${by.join(', ')}, or give them the same value`,
      });
      continue;
    }
    resolved[variable] = supplied[0].value;
    suppliedBy[variable] = supplied[0].name;
  }
  return { env: resolved, suppliedBy, problems, refused };
}
