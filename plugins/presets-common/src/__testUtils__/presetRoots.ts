import path from 'path';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';
import { resolvePresets } from '../selection/resolvePresets';
import { requiredVariableNames } from '../selection/variableChoices';

/** The repository root, whose `presets/` is the shipped catalog. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** The fixture catalog's preset names: the shipped presets' when it was made. */
export const PRESET_NAMES = [
  'azure',
  'azure-auth',
  'github',
  'github-auth',
  'gitlab',
  'jenkins',
  'keycloak',
  'kubernetes',
  'ldap',
  'ldap-ad',
  'mcp',
  'mcp-chat',
  'oidc',
  'okta',
  'postgres',
  'rbac',
  'recommended',
  'sonarqube',
  'veecode-theme',
];

/** The shipped presets' names: the fixture catalog's, and those shipped since. */
export const SHIPPED_PRESET_NAMES = [...PRESET_NAMES].sort();

/** The fixture catalog of the test kit, which unit tests select from. */
export const FIXTURE_ROOT = FIXTURE_CATALOG_ROOT;

/**
 * The catalog of a root folder, a dummy value for every required variable of
 * presets in it, and a resolution of a selection from it.
 */
export function presetRoot(rootDir: string) {
  const presetsDir = path.join(rootDir, 'presets');
  const catalog = loadPresetCatalog({ shippedDir: presetsDir });

  /** A dummy value for every required variable of the given presets. */
  function dummyEnv(names: string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of names) {
      const preset = catalog.presets.get(name);
      if (!preset) {
        throw new Error(`test setup: no preset ${name} in ${presetsDir}`);
      }
      for (const variable of requiredVariableNames(preset, {})) {
        const dummy = `dummy-${variable.toLowerCase()}`;
        env[variable] =
          preset.requires.variables[variable]?.format === 'url'
            ? `https://${dummy.replace(/_/g, '-')}.example.com`
            : dummy;
      }
    }
    return env;
  }

  function resolveSelection(
    selection: string,
    env: Record<string, string> = {},
  ) {
    return resolvePresets({
      rootDir,
      env: { VEECODE_PRESETS: selection, ...env },
    });
  }

  return { presetsDir, catalog, dummyEnv, resolveSelection };
}
