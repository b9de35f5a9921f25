/**
 * Loads the npm backend plugins the selected presets name, and says what
 * is loaded at `/api/presets/plugins` and
 * `/api/dynamic-plugins-info/loaded-plugins`.
 *
 * @packageDocumentation
 */
export { presetsBackend } from './presetsBackend';
export type { PresetsBackendOptions } from './presetsBackend';
