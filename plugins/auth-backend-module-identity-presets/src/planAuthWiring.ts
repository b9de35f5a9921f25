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
  /** Providers to register that sign people in: the identity preset's. */
  activate: IdentityAuthProvider[];
  /**
   * Providers the operator configured beyond the identity preset: they are
   * registered to issue provider tokens (for integrations) and never sign
   * anyone in.
   */
  auxiliary: IdentityAuthProvider[];
  /** `auth.providers.<id>` keys present in config that stay unused. */
  ignored: string[];
  problems: PresetProblem[];
}

/** Registered by the guest module of its own, never by the identity module. */
const GUEST = 'guest';

/**
 * Decides which auth provider the selected identity preset activates: the
 * shared preset wiring plan over `auth.providers`, plus what only sign-in
 * needs: an identity preset must name a provider, and each provider's
 * required keys must be set for the current `auth.environment`. With an
 * identity preset, every other configured provider a module provides is
 * auxiliary (provider tokens, no sign-in); a configured key no module
 * provides refuses the boot, with or without an identity preset.
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
  const namedByIdentity = identity
    ? keysNamedByPreset(identity, ['auth', 'providers'])
    : [];

  if (identity && namedByIdentity.length === 0) {
    problems.push({
      kind: 'invalid-config',
      message: `identity preset "${identity.name}" configures no auth provider (no appConfig.auth.providers key)`,
      hint: `add auth.providers.<providerId>.${environment} to ${identity.source}`,
    });
  }
  const auxiliary = identity
    ? configuredKeys.filter(
        key => registry.has(key) && !namedByIdentity.includes(key),
      )
    : [];
  for (const key of configuredKeys) {
    if (key === GUEST || registry.has(key) || namedByIdentity.includes(key)) {
      continue;
    }
    problems.push({
      kind: 'invalid-config',
      message: `auth.providers.${key} is configured, but no installed backend module provides an auth provider "${key}"; available: ${
        registry.keys().join(', ') || '(none)'
      }`,
      hint: `fix the provider id or remove auth.providers.${key} from your app-config, or add a backend module that adds '${key}' through ${registry.extensionPoint}`,
    });
  }

  const wired = [
    ...plan.activate.map(({ key, provider }) => ({
      key,
      provider,
      whose: `identity preset "${identity!.name}": auth provider "${key}" (${
        provider.title
      })`,
      hint: `set it in the preset's appConfig or your app-config (check that the variables it references are set)`,
    })),
    ...auxiliary.map(key => ({
      key,
      provider: registry.get(key)!,
      whose: `extra auth provider "${key}" (${
        registry.get(key)!.title
      }), configured beside identity preset "${identity!.name}",`,
      hint: `set it in your app-config, or remove auth.providers.${key} if you do not need its tokens`,
    })),
  ];
  for (const { key, provider, whose, hint } of wired) {
    const missing = (provider.requiredConfig ?? [])
      .map(required => `auth.providers.${key}.${environment}.${required}`)
      .filter(path => !config.has(path));
    for (const path of missing) {
      problems.push({
        kind: 'invalid-config',
        message: `${whose} needs config key ${path}, which is not set`,
        hint,
      });
    }
  }

  return {
    activate: problems.length ? [] : plan.activate.map(a => a.provider),
    auxiliary: problems.length ? [] : auxiliary.map(key => registry.get(key)!),
    // Guest sign-in is no registry entry, but its config is ignored too
    // once an identity preset is selected: worth saying. Without one, the
    // other providers are ignored: there is no sign-in they could serve.
    ignored: identity
      ? configuredKeys.filter(key => key === GUEST)
      : plan.ignored,
    problems,
  };
}
