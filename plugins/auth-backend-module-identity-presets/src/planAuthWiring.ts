import { Config } from '@backstage/config';
import {
  keysNamedByPreset,
  Preset,
  PresetProblem,
} from '@devportal/plugin-presets-common';
import {
  IdentityAuthProvider,
  PresetProviderRegistry,
  planPresetWiring,
} from '@devportal/plugin-preset-providers-node';

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
 * shared preset wiring plan over `auth.providers`, plus what only sign-in
 * needs: an identity preset must name a provider, and each provider's
 * required keys must be set for the current `auth.environment`.
 */
export function planAuthWiring(options: {
  identity: Preset | undefined;
  registry: PresetProviderRegistry<IdentityAuthProvider>;
  config: Config;
}): AuthWiringPlan {
  const { identity, registry, config } = options;
  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  const configuredKeys =
    config.getOptionalConfig('auth.providers')?.keys() ?? [];
  const plan = planPresetWiring({
    presets: identity ? [identity] : [],
    registry,
    configuredKeys,
  });
  const problems = [...plan.problems];

  if (
    identity &&
    keysNamedByPreset(identity, ['auth', 'providers']).length === 0
  ) {
    problems.push({
      kind: 'invalid-config',
      message: `identity preset "${identity.name}" configures no auth provider (no appConfig.auth.providers key)`,
      hint: `add auth.providers.<providerId>.${environment} to ${identity.source}`,
    });
  }
  for (const { key, provider } of plan.activate) {
    const missing = (provider.requiredConfig ?? [])
      .map(required => `auth.providers.${key}.${environment}.${required}`)
      .filter(path => !config.has(path));
    for (const path of missing) {
      problems.push({
        kind: 'invalid-config',
        message: `identity preset "${
          identity!.name
        }": auth provider "${key}" (${
          provider.title
        }) needs config key ${path}, which is not set`,
        hint: `set it in the preset's appConfig or your app-config (check that the variables it references are set)`,
      });
    }
  }

  return {
    activate: problems.length ? [] : plan.activate.map(a => a.provider),
    // Guest sign-in is no registry entry, but its config is ignored too
    // once an identity preset is selected: worth saying.
    ignored:
      identity && configuredKeys.includes('guest')
        ? ['guest', ...plan.ignored]
        : plan.ignored,
    problems,
  };
}
