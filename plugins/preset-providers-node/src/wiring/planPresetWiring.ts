import {
  keysNamedByPreset,
  Preset,
  PresetProblem,
} from '@devportal/plugin-presets-common';
import { PresetProviderInfo, PresetProviderRegistry } from './ProviderRegistry';

/** One provider to activate, with the presets that name it. @public */
export interface PresetActivation<T> {
  key: string;
  provider: T;
  presets: Preset[];
}

/** What one side (auth or catalog) does for a selection. @public */
export interface PresetWiringPlan<T> {
  activate: PresetActivation<T>[];
  /** Keys present in config that a provider exists for, but no selected preset names. */
  ignored: string[];
  problems: PresetProblem[];
}

/**
 * The one decision both identity modules make: which registered providers
 * the selected presets activate. A preset activates the provider of every
 * key it writes below `configPath` in its own `appConfig`; a key no module
 * provides refuses the boot naming preset and key, as does a registry
 * mistake. Never a switch over provider ids: a new provider is a new
 * registry entry.
 *
 * @public
 */
export function planPresetWiring<T extends PresetProviderInfo>(options: {
  presets: Preset[];
  registry: PresetProviderRegistry<T>;
  /** The keys present below the registry's config path in the merged config. */
  configuredKeys: string[];
}): PresetWiringPlan<T> {
  const { presets, registry, configuredKeys } = options;
  const { configPath, extensionPoint } = registry;
  const dotted = configPath.join('.');
  const problems: PresetProblem[] = [...registry.problems()];
  const activations = new Map<string, PresetActivation<T>>();

  for (const preset of presets) {
    for (const key of keysNamedByPreset(preset, configPath)) {
      const provider = registry.get(key);
      if (!provider) {
        problems.push({
          kind: 'invalid-config',
          message: `preset "${
            preset.name
          }" names ${dotted}.${key}, but no backend module provides it; available: ${
            registry.keys().join(', ') || '(none)'
          }`,
          hint: `add a backend module that adds '${key}' through ${extensionPoint}, or fix the key in ${preset.source}`,
        });
        continue;
      }
      const activation = activations.get(key);
      if (activation) {
        activation.presets.push(preset);
      } else {
        activations.set(key, { key, provider, presets: [preset] });
      }
    }
  }

  return {
    activate: problems.length > 0 ? [] : [...activations.values()],
    ignored: configuredKeys.filter(
      key => registry.has(key) && !activations.has(key),
    ),
    problems,
  };
}
