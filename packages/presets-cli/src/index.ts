/**
 * The `presets` command: list, check, explain and lint DevPortal presets
 * without starting the backend.
 *
 * @packageDocumentation
 */

export { runPresetsCli } from './runPresetsCli';
export type { PresetsCliOptions } from './runPresetsCli';
