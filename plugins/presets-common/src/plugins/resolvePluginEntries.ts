import { Preset, PresetPluginEntry } from '../model/types';
import { PresetProblem } from '../model/problems';
import { REFERENCE_EXCERPT_LENGTH, excerpt } from '../model/excerpt';

/** The registry plugin references point at unless `PLUGIN_REGISTRY` is set. @public */
export const DEFAULT_PLUGIN_REGISTRY = 'quay.io/veecode';

/**
 * How a plugin entry is loaded: `npm`, an npm package name the backend
 * imports as a backend feature in this process; `dynamic`, anything else (an
 * `oci://` image reference, a local path, a tarball) that the RHDH/VeeCode
 * dynamic plugin installer of a container deployment installs.
 *
 * @public
 */
export type PluginEntryKind = 'npm' | 'dynamic';

/** A plugin entry after placeholders are resolved, with the preset that decided it. @public */
export interface ResolvedPluginEntry extends PresetPluginEntry {
  /** The preset whose entry won. */
  preset: string;
  /** `package` as the preset wrote it, before placeholders were resolved. */
  packageReference: string;
  kind: PluginEntryKind;
}

/** An npm package name, scoped or not (npm's own rules for new packages). */
const NPM_PACKAGE_NAME =
  /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** Whether a `package` reference names an npm package rather than a dynamic plugin. @public */
export function pluginEntryKind(reference: string): PluginEntryKind {
  return NPM_PACKAGE_NAME.test(reference) ? 'npm' : 'dynamic';
}

/** Values for the placeholders allowed in `package` references. @public */
export interface PluginPlaceholders {
  PLUGIN_REGISTRY: string;
  BACKSTAGE_VERSION: string;
}

/**
 * The only placeholders `package` references may use.
 *
 * @public
 */
export const PLUGIN_PLACEHOLDER_NAMES: ReadonlyArray<keyof PluginPlaceholders> =
  ['PLUGIN_REGISTRY', 'BACKSTAGE_VERSION'];
const PLACEHOLDER = new RegExp(
  `\\$\\{(${PLUGIN_PLACEHOLDER_NAMES.join('|')})\\}`,
  'g',
);
const ANY_PLACEHOLDER = /\$\{[^}]*\}/;

/**
 * Resolves the two placeholders of `package` references and merges entries
 * by package across presets, a later preset replacing the whole entry. An
 * enabled entry that still holds a placeholder afterwards is a problem.
 *
 * @public
 */
export function resolvePluginEntries(
  presets: Preset[],
  placeholders: PluginPlaceholders,
): { plugins: ResolvedPluginEntry[]; problems: PresetProblem[] } {
  const byPackage = new Map<string, ResolvedPluginEntry>();
  for (const preset of presets) {
    for (const entry of preset.plugins) {
      const resolved = entry.package.replace(
        PLACEHOLDER,
        (_, name: keyof PluginPlaceholders) => placeholders[name],
      );
      byPackage.set(resolved, {
        ...entry,
        package: resolved,
        packageReference: entry.package,
        preset: preset.name,
        kind: pluginEntryKind(resolved),
      });
    }
  }

  const problems: PresetProblem[] = [];
  for (const entry of byPackage.values()) {
    // Shown as the preset wrote it: the resolved value may hold a registry
    // credential from a variable. BACKSTAGE_VERSION stays unresolved when
    // neither the variable nor backstage.json gives it.
    const unresolved = entry.package.match(ANY_PLACEHOLDER);
    if (!entry.disabled && unresolved) {
      problems.push({
        kind: 'unresolved-plugin',
        message: `preset "${entry.preset}" enables plugin "${excerpt(
          entry.packageReference,
          REFERENCE_EXCERPT_LENGTH,
        )}", whose package reference holds the unresolved placeholder ${excerpt(
          unresolved[0],
        )}`,
        hint: 'package references may only use ${PLUGIN_REGISTRY} and ${BACKSTAGE_VERSION}; write the value itself or set disabled: true',
      });
    }
  }
  return { plugins: [...byPackage.values()], problems };
}
