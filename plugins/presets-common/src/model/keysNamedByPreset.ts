import { Preset } from './types';

/**
 * The keys a preset configures below a config path, as written in its own
 * `appConfig`: how a preset names the providers it activates, e.g.
 * `auth.providers.oidc` names the `oidc` auth provider. The identity and
 * catalog modules decide with it, and `presets explain` reports with it.
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
