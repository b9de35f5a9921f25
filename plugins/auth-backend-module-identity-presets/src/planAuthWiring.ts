import { Config } from '@backstage/config';
import { Preset, PresetProblem } from '@devportal/plugin-presets-node';
import {
  IdentityAuthProvider,
  keysNamedByPreset,
} from '@devportal/plugin-identity-presets-node';

/** What the identity module does for one selection. */
export interface AuthWiringPlan {
  /** Providers to register. */
  activate: IdentityAuthProvider[];
  /** `auth.providers.<id>` keys present in config that stay unused. */
  ignored: string[];
  problems: PresetProblem[];
}

/**
 * Decides which auth provider the selected identity preset activates: the
 * ones it names under `auth.providers` in its `appConfig`, looked up in the
 * registry. Never a switch over provider ids: a new provider is a new
 * registry entry.
 */
export function planAuthWiring(options: {
  identity: Preset | undefined;
  registry: ReadonlyMap<string, IdentityAuthProvider>;
  config: Config;
}): AuthWiringPlan {
  const { identity, registry, config } = options;
  const configured = config.getOptionalConfig('auth.providers')?.keys() ?? [];
  if (!identity) {
    return {
      activate: [],
      ignored: configured.filter(key => key !== 'guest'),
      problems: [],
    };
  }

  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  const named = keysNamedByPreset(identity, ['auth', 'providers']);
  const problems: PresetProblem[] = [];
  const activate: IdentityAuthProvider[] = [];

  if (named.length === 0) {
    problems.push({
      kind: 'invalid-config',
      message: `identity preset "${identity.name}" configures no auth provider (no appConfig.auth.providers key)`,
      hint: `add auth.providers.<providerId>.${environment} to ${identity.source}`,
    });
  }
  for (const providerId of named) {
    const provider = registry.get(providerId);
    if (!provider) {
      problems.push({
        kind: 'invalid-config',
        message: `identity preset "${
          identity.name
        }" names auth provider "${providerId}" (config key auth.providers.${providerId}), but no backend module provides it; available: ${[
          ...registry.keys(),
        ].join(', ')}`,
        hint: `add a backend module that calls identityAuthProvidersExtensionPoint.addProvider({ providerId: '${providerId}', ... }), or fix the key in the preset`,
      });
      continue;
    }
    const missing = (provider.requiredConfig ?? [])
      .map(key => `auth.providers.${providerId}.${environment}.${key}`)
      .filter(key => !config.has(key));
    for (const key of missing) {
      problems.push({
        kind: 'invalid-config',
        message: `identity preset "${identity.name}": auth provider "${providerId}" (${provider.title}) needs config key ${key}, which is not set`,
        hint: `set it in the preset's appConfig or your app-config (check that the variables it references are set)`,
      });
    }
    activate.push(provider);
  }
  return {
    activate: problems.length ? [] : activate,
    ignored: configured.filter(key => !named.includes(key)),
    problems,
  };
}
