/**
 * Loads the npm backend plugins the selected presets name, and says what
 * is loaded at `/api/presets/plugins` and
 * `/api/dynamic-plugins-info/loaded-plugins`.
 *
 * @packageDocumentation
 */
export { presetsBackend } from './plugins';
export type { PresetsBackendOptions } from './plugins';
export type { LoadedPlugin } from './loadedPlugins';
export { oauthServerGuardModule } from './oauthServerGuard/module';
