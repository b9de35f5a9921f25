/*
 * Values a preset cannot write with `${VAR}` and `${VAR:-default}` alone:
 * Backstage's integrations want a host in one place and URLs in others, and
 * github.com's API lives on another host than GitHub Enterprise Server's.
 * Presets declare them as data (`derived` in a preset file, see
 * PresetDerivedVariable), and this file evaluates them; it knows no preset.
 */
import { randomBytes } from 'crypto';
import { statSync } from 'fs';
import {
  Preset,
  PresetDerivedCase,
  PresetDerivedVariable,
} from '../model/types';
import { PresetProblem } from '../model/problems';
import { DERIVED_TRANSFORMS, derivedTemplateParts } from '../model/schema';
import { displayPath } from '../catalog/parsePresetFile';
import { isHttpUrl, isUnset } from '../environment/variableValues';

/** Derived variables by name, as a selection declares them. @public */
export type DerivedDefinitions = ReadonlyMap<string, PresetDerivedVariable>;

/** A `${NAME|transform...}` reference in a derived value's template. */
interface TemplateReference {
  name: string;
  transforms: string[];
}

/** `$${` (a literal `${`), or a reference, by the schema's own rule. */
const TEMPLATE_PART = derivedTemplateParts();

function templateReferences(template: string): TemplateReference[] {
  return [...template.matchAll(TEMPLATE_PART)]
    .filter(([part]) => !part.startsWith('$$'))
    .map(([, name, transforms]) => ({
      name,
      transforms: transforms.split('|').slice(1),
    }));
}

/**
 * The variables a derived variable reads: in its conditions and in its
 * values' templates, derived ones included.
 *
 * @public
 */
export function derivedInputs(variable: PresetDerivedVariable): string[] {
  const names = variable.cases.flatMap((c: PresetDerivedCase) => [
    ...[c.when?.set, c.when?.unset, c.when?.url].filter(
      (name): name is string => name !== undefined,
    ),
    ...Object.keys(c.when?.equals ?? {}),
    ...(c.value === undefined
      ? []
      : templateReferences(c.value).map(r => r.name)),
  ]);
  return [...new Set(names)];
}

/** A value's transforms; undefined when one does not apply (`host` of a non-URL). */
const TRANSFORMS: Record<
  (typeof DERIVED_TRANSFORMS)[number],
  (value: string) => string | undefined
> = {
  url: value => parsedUrl(value)?.href,
  host: value => parsedUrl(value)?.host,
  'no-trailing-slash': value => value.replace(/\/+$/, ''),
};

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Whether a path is an existing regular file; a directory or a dangling link is not. */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The random values of this process, by derived variable: for credentials
 * between parts of this same backend that the operator did not set, stable
 * for the life of the process, never written anywhere.
 */
const processRandoms = new Map<string, string>();

function processRandom(name: string): string {
  let value = processRandoms.get(name);
  if (value === undefined) {
    value = randomBytes(32).toString('hex');
    processRandoms.set(name, value);
  }
  return value;
}

/**
 * The derived variables' values for an environment. A reference reads the
 * derived value of a derived variable, and the environment's value
 * (trimmed; blank is unset) of any other; within its own definition, and
 * within the definitions it is being computed for, a derived variable's
 * name reads the environment, so `APP_BASE_URL` can keep an operator's
 * value. The environment cannot override a derived value otherwise.
 *
 * @public
 */
export function deriveVariables(
  definitions: DerivedDefinitions,
  env: Record<string, string | undefined>,
): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  const computing = new Set<string>();

  function read(name: string): string | undefined {
    const definition = definitions.get(name);
    if (!definition || computing.has(name)) {
      return isUnset(env[name]) ? undefined : env[name]!.trim();
    }
    if (!values.has(name)) {
      computing.add(name);
      values.set(name, evaluate(name, definition));
      computing.delete(name);
    }
    return values.get(name);
  }

  function holds(when: PresetDerivedCase['when']): boolean {
    if (!when) {
      return true;
    }
    const url = when.url === undefined ? undefined : read(when.url);
    return (
      (when.set === undefined || read(when.set) !== undefined) &&
      (when.unset === undefined || read(when.unset) === undefined) &&
      (when.url === undefined || (url !== undefined && isHttpUrl(url))) &&
      (when.file === undefined || isRegularFile(when.file)) &&
      Object.entries(when.equals ?? {}).every(
        ([name, text]) => read(name) === text,
      )
    );
  }

  function fill(template: string): string | undefined {
    let unset = false;
    const filled = template.replace(TEMPLATE_PART, (part, name, chain) => {
      if (part === '$${') {
        return '${';
      }
      let value = read(name);
      for (const transform of (chain as string).split('|').slice(1)) {
        value =
          value === undefined
            ? undefined
            : TRANSFORMS[transform as keyof typeof TRANSFORMS](value);
      }
      unset ||= value === undefined;
      return value ?? '';
    });
    return unset ? undefined : filled;
  }

  function evaluate(
    name: string,
    definition: PresetDerivedVariable,
  ): string | undefined {
    const match = definition.cases.find(c => holds(c.when));
    if (match?.random) {
      return processRandom(name);
    }
    return match?.value === undefined ? undefined : fill(match.value);
  }

  for (const name of definitions.keys()) {
    read(name);
  }
  return values;
}

/** Two definitions of one derived variable compute the same value. */
function sameDefinition(a: PresetDerivedVariable, b: PresetDerivedVariable) {
  return (
    JSON.stringify([a.cases, a.secret ?? null]) ===
    JSON.stringify([b.cases, b.secret ?? null])
  );
}

/**
 * The derived variables of a selection: the platform's, and those of every
 * selected preset. Presets that share variables may declare the same
 * derived variable (an SCM preset and its sign-in preset, both from one
 * base URL), but
 * only alike; redefining another's, or the platform's, is a problem.
 *
 * @public
 */
export function selectionDerivedVariables(
  presets: readonly Preset[],
  platform?: Preset,
): {
  definitions: Map<string, PresetDerivedVariable>;
  problems: PresetProblem[];
} {
  const definitions = new Map<string, PresetDerivedVariable>();
  const owners = new Map<string, Preset>();
  const problems: PresetProblem[] = [];
  for (const preset of platform ? [platform, ...presets] : presets) {
    for (const [name, definition] of Object.entries(preset.derived)) {
      const owner = owners.get(name);
      if (!owner) {
        definitions.set(name, definition);
        owners.set(name, preset);
      } else if (!sameDefinition(definitions.get(name)!, definition)) {
        problems.push({
          kind: 'invalid-file',
          message:
            owner === platform
              ? `${displayPath(preset.source)}: preset "${
                  preset.name
                }" declares derived.${name}, which the platform derives (${displayPath(
                  owner.source,
                )})`
              : `${displayPath(preset.source)}: preset "${
                  preset.name
                }" declares derived.${name} unlike preset "${
                  owner.name
                }" (${displayPath(owner.source)}), and both are selected`,
          hint:
            owner === platform
              ? `rename ${name} in preset "${preset.name}", or reference the platform's value as it is`
              : `give derived.${name} the same cases and secret flag in both presets, or rename one`,
        });
      }
    }
  }
  return { definitions, problems };
}
