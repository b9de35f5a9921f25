import { MockDirectory } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { stringify } from 'yaml';
import { loadPresetCatalog, Preset } from '@devportal/plugin-presets-common';

/**
 * The YAML of a valid preset that contributes `appConfig` and nothing else
 * a config test would see: its one plugin entry is disabled.
 */
export function presetFile(name: string, appConfig: JsonObject): string {
  return stringify({
    name,
    description: `preset ${name}`,
    version: '1.0.0',
    plugins: [{ package: 'not-config', disabled: true }],
    appConfig,
  });
}

/**
 * Loads the presets named, in that order, from the `presets` folder of the
 * mock directory, through the real catalog loader; fails the test if any
 * file there has a problem, so a broken fixture cannot pass for a config
 * result.
 */
export function loadPresets(mockDir: MockDirectory, names: string[]): Preset[] {
  const catalog = loadPresetCatalog({ shippedDir: mockDir.resolve('presets') });
  expect(catalog.problems).toEqual([]);
  return names.map(name => catalog.presets.get(name)!);
}
