import { Preset, PresetsService } from '@devportal/plugin-presets-node';
import { IDENTITY_GROUP } from './extensionPoints';

/** The selected identity preset, if any. @public */
export function selectedIdentityPreset(
  presets: PresetsService,
): Preset | undefined {
  return presets.selectedInGroup(IDENTITY_GROUP);
}

/**
 * The keys a preset configures below a config path, as written in its
 * `appConfig`: how a preset names the providers it activates, e.g.
 * `auth.providers.oidc` names the `oidc` auth provider.
 *
 * @public
 */
export function keysNamedByPreset(preset: Preset, path: string[]): string[] {
  let node: unknown = preset.appConfig;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      return [];
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node !== null && typeof node === 'object' && !Array.isArray(node)
    ? Object.keys(node)
    : [];
}
