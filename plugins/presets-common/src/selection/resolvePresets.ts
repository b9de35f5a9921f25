import fs from 'fs';
import { resolve } from 'path';
import { targetPaths } from '@backstage/cli-common';
import { JsonObject } from '@backstage/types';
import { Preset } from '../model/types';
import { isSecretVariable } from '../model/secrets';
import { PresetProblem, PresetsConfigError } from '../model/problems';
import {
  PRESETS_PATH_ENV,
  PresetOverride,
  defaultShippedDir,
  loadPresetCatalog,
  parsePresetsPath,
} from '../catalog/loadPresetCatalog';
import {
  DEFAULT_PLUGIN_REGISTRY,
  ResolvedPluginEntry,
  resolvePluginEntries,
} from '../plugins/resolvePluginEntries';
import { checkPluginsInstalled } from '../plugins/checkPluginsInstalled';
import { readPlatformPreset } from '../catalog/platformPreset';
import {
  DerivedDefinitions,
  deriveVariables,
  selectionDerivedVariables,
} from './derivedVariables';
import { DYNAMIC_PLUGINS_FILE_ENV } from '../plugins/dynamicPluginsFile';
import { readVeecodeAppConfig } from '../environment/readVeecodeAppConfig';
import { PRESETS_ENV, parseSelection } from './parseSelection';
import { findSharedCredentials } from './sharedCredentials';
import {
  checkAllowGuestVariable,
  checkSignInRequirements,
} from './guestSignIn';
import {
  checkDependencies,
  checkExclusiveGroups,
  checkOneOf,
  checkRequiredGroups,
  checkVariableFormats,
  checkVariables,
  lookUpSelection,
} from './checkSelection';
import { isUnset } from '../environment/variableValues';
import { resolveVariableValues } from '../environment/variableSources';

/** Where and how to resolve a selection. All fields default to the running process. @public */
export interface ResolvePresetsOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** The repository root holding `presets/` and `backstage.json`. */
  rootDir?: string;
  /** The shipped catalog; defaults to `<rootDir>/presets`. */
  shippedDir?: string;
  /**
   * Folders npm plugin packages are resolved from, as the backend will
   * import them; defaults to the current directory (the backend package).
   */
  pluginsFrom?: string[];
}

/** The outcome of resolving `VEECODE_PRESETS`. @public */
export interface PresetResolution {
  /** The selected presets, in selection order. */
  presets: Preset[];
  /** Plugin entries of the selected presets, merged by package. */
  plugins: ResolvedPluginEntry[];
  /** Presets from extra folders that replaced others of the same name. */
  overrides: PresetOverride[];
  /** The decoded `VEECODE_APP_CONFIG` document, if set. */
  veecodeAppConfig?: JsonObject;
  /** Values of the selected presets' secret variables (and derived secrets they use), to redact from logs. */
  secrets: string[];
  /**
   * For each variable of the selected presets that is set, the name that
   * supplied its value: the variable itself, one of its aliases, or a
   * `_FILE` name (see `resolveVariableValues`). Names only.
   */
  suppliedBy: Record<string, string>;
  /** Everything that prevents a boot; empty when the selection is usable. */
  problems: PresetProblem[];
  /** Accepted, but worth telling the operator at boot (shared credentials). */
  warnings: string[];
  /** Where to write the dynamic plugin entries for the installer (`VEECODE_DYNAMIC_PLUGINS_FILE`). */
  dynamicPluginsFile?: string;
}

/**
 * The Backstage release `backstage.json` names, if it can be read.
 *
 * @public
 */
export function readBackstageVersion(rootDir: string): string | undefined {
  try {
    const json = JSON.parse(
      fs.readFileSync(resolve(rootDir, 'backstage.json'), 'utf8'),
    );
    return typeof json.version === 'string' ? json.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The values to redact from logs: those of the secret variables the selected
 * presets declare, and of the derived secrets they reference. Other values
 * (an org, a realm, a host) stay readable; a variable that any selected
 * preset declares secret is redacted for all of them.
 */
function collectSecrets(
  presets: Preset[],
  derived: DerivedDefinitions,
  env: Record<string, string | undefined>,
): string[] {
  const appConfigText = JSON.stringify(presets.map(p => p.appConfig));
  const values = deriveVariables(derived, env);
  const secrets = new Set<string>(
    [...derived]
      .filter(
        ([name, v]) =>
          isSecretVariable(name, v) && appConfigText.includes(`\${${name}`),
      )
      .map(([name]) => values.get(name))
      .filter((v): v is string => v !== undefined),
  );
  for (const preset of presets) {
    for (const [name, variable] of Object.entries(preset.requires.variables)) {
      const value = env[name];
      if (isSecretVariable(name, variable) && !isUnset(value)) {
        // Both as written and trimmed: either may reach a log line.
        secrets.add(value!);
        secrets.add(value!.trim());
      }
    }
  }
  return [...secrets];
}

/**
 * Reads the preset catalog and resolves the operator's selection, collecting
 * every problem instead of stopping at the first. Never throws for a user
 * mistake.
 *
 * @public
 */
export function resolvePresets(
  options: ResolvePresetsOptions = {},
): PresetResolution {
  const given = options.env ?? process.env;
  const rootDir = options.rootDir ?? targetPaths.rootDir;
  const problems: PresetProblem[] = [];

  const shippedDir = options.shippedDir ?? defaultShippedDir(rootDir);
  const catalog = loadPresetCatalog({
    shippedDir,
    extraDirs: parsePresetsPath(given[PRESETS_PATH_ENV]),
  });
  const platform = readPlatformPreset(shippedDir);
  const selection = parseSelection(given[PRESETS_ENV], catalog.presets.keys());
  problems.push(...selection.problems);
  problems.push(...catalog.problems);
  problems.push(...platform.problems);

  const { presets, problems: lookupProblems } = lookUpSelection(
    selection.names,
    catalog,
  );
  problems.push(...lookupProblems);
  // From here on every check reads the variables' values wherever the
  // operator put them (own name, alias or file).
  const variables = resolveVariableValues(presets, given);
  const env = variables.env;
  problems.push(...checkDependencies(selection.names, catalog));
  problems.push(...checkExclusiveGroups(presets));
  problems.push(...checkRequiredGroups(selection.names, catalog));
  problems.push(...checkSignInRequirements(selection.names, catalog, env));
  problems.push(...checkAllowGuestVariable(env));
  problems.push(...variables.problems);
  problems.push(...checkVariables(presets, env, variables.refused));
  problems.push(...checkOneOf(presets, env, variables.refused));
  problems.push(...checkVariableFormats(presets, env));
  const derived = selectionDerivedVariables(presets, platform.preset);
  problems.push(...derived.problems);

  const plugins = resolvePluginEntries(presets, {
    PLUGIN_REGISTRY: isUnset(env.PLUGIN_REGISTRY)
      ? DEFAULT_PLUGIN_REGISTRY
      : env.PLUGIN_REGISTRY!.trim(),
    // backstage.json is read only for a reference that names the version.
    get BACKSTAGE_VERSION() {
      return isUnset(env.BACKSTAGE_VERSION)
        ? readBackstageVersion(rootDir) ?? '${BACKSTAGE_VERSION}'
        : env.BACKSTAGE_VERSION!.trim();
    },
  });
  problems.push(...plugins.problems);
  problems.push(
    ...checkPluginsInstalled(
      plugins.plugins,
      options.pluginsFrom ?? [process.cwd()],
    ),
  );

  const veecode = readVeecodeAppConfig(env);
  if (veecode.problem) {
    problems.push(veecode.problem);
  }

  const secrets = collectSecrets(presets, derived.definitions, env);

  return {
    presets,
    plugins: plugins.plugins,
    overrides: catalog.overrides,
    ...(veecode.data ? { veecodeAppConfig: veecode.data } : {}),
    secrets,
    suppliedBy: variables.suppliedBy,
    problems,
    warnings: findSharedCredentials(presets, env),
    ...(!isUnset(env[DYNAMIC_PLUGINS_FILE_ENV]) && {
      dynamicPluginsFile: resolve(env[DYNAMIC_PLUGINS_FILE_ENV]!.trim()),
    }),
  };
}

/**
 * Like {@link resolvePresets}, but throws a {@link PresetsConfigError}
 * carrying every problem when the selection cannot be honoured. This is what
 * modules call when they are embedded in a backend that did not run the
 * boot gate.
 *
 * @public
 */
export function resolvePresetsOrThrow(
  options?: ResolvePresetsOptions,
): PresetResolution {
  const resolution = resolvePresets(options);
  if (resolution.problems.length > 0) {
    throw new PresetsConfigError(resolution.problems);
  }
  return resolution;
}
